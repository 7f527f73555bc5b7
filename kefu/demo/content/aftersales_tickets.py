"""The demo's after-sales tickets: what customers report, by type and by what has happened to their order.

Each description is chosen for its order's state when the ticket opens: a late-delivery
ticket on a parcel still on its way says it has not arrived; one opened after a late arrival
says how late it came. Complaints are written per cause (DOMAIN.md 10), so a complaint about
slow service is never filed under product quality. Placeholders: {item} the first item,
{carrier} {tracking} the parcel, {promised} the promised date, {delivered} the arrival date,
{days} the days late.
"""

# type -> weight in the year's mix
TYPE_WEIGHTS = {
    "late_delivery": 16, "transport_damage": 12, "wrong_or_missing": 10, "not_as_described": 8, "quality": 12,
    "return": 9, "exchange": 6, "refund": 6, "technical": 8, "repair": 5, "complaint": 6, "service_attitude": 4, "other": 3,
}  # fmt: skip

# A late-delivery ticket, by where the parcel is when the customer writes.
LATE_IN_TRANSIT = [
    ("快递一直没到，催件", "买家反映承诺{promised}前送达，现在还没收到，{carrier}{tracking}的物流停在中转站两天没更新。"),
    ("超过承诺时间未送达", "承诺{promised}前送达，至今未收到，买家很着急，要求说明原因并催件。"),
]
LATE_ARRIVED = [
    ("到货晚了{days}天，要求延迟赔偿", "承诺{promised}前送达，{carrier}实际{delivered}才签收，晚了{days}天，买家要求按延迟赔偿规则补偿。"),
    ("比承诺晚到，申请补偿", "买家说{item}{delivered}才收到，比页面承诺的{promised}晚了{days}天，耽误了使用，希望给个说法。"),
]

# Types opened after the parcel arrived: (subject, description)
AFTER_DELIVERY = {
    "transport_damage": [
        ("收到时外箱破损，{item}磕坏", "买家{delivered}签收后发现外箱压扁，{item}外壳有裂痕，已拍下外箱和面单。"),
        ("运输途中损坏", "{item}到货时包装破损，配件散落，买家要求换新。"),
    ],
    "wrong_or_missing": [
        ("少发配件", "买家说{item}的包装里少了说明书和数据线。"),
        ("发错颜色/型号", "买家下单的是{item}，收到的型号不一致。"),
    ],
    "not_as_described": [
        ("与描述不符，想退货", "买家认为{item}实物比图片小，和想象中差距大。"),
        ("色差明显", "买家反映{item}颜色和详情页图片差别很大。"),
    ],
    "quality": [
        ("使用几天出现故障", "{item}用了三天就无法开机，买家怀疑质量问题，已提供视频。"),
        ("{item}有异响", "买家反映{item}运行时有明显异响，要求检测。"),
    ],
    "return": [("七天无理由退货", "买家不想要了，{item}未拆封，申请七天无理由退货。")],
    "exchange": [("申请换货", "买家想把{item}换成另一个规格，商品完好。")],
    "refund": [("申请部分退款", "买家说{item}外观有轻微划痕，不影响使用，不想退货，申请部分退款。")],
    "technical": [
        ("使用咨询：{item}怎么设置", "买家不会设置{item}，需要指导操作步骤。"),
        ("连接/配对问题", "买家的{item}无法和手机配对，想要详细教程。"),
    ],
    "repair": [("保修期内维修", "{item}使用几个月后出现故障，买家申请保修维修。")],
}

# Complaints by cause: (subject, description, needs the parcel to have arrived)
COMPLAINTS = {
    "broken_promise": [
        ("投诉：答应的赠品没给", "买家投诉下单时客服答应送收纳袋，{delivered}收到货后发现没有，找客服又没人跟进。", True),
        ("投诉：答应的回电一直没打", "买家说客服答应当天回电话说明发票和发货安排，等了两天没人联系，觉得被敷衍。", False),
    ],
    "service": [
        ("投诉：售后处理太慢", "买家投诉售后处理拖了好几天，情绪激动，威胁给差评。", False),
        ("投诉：客服很久才回复", "买家说咨询后半天没人回复，问了三次才有人理，要求主管处理。", False),
    ],
    "communication": [
        ("投诉：客服说法前后不一", "买家问能不能开专票，两个客服一个说能一个说不能，买家很不满。", False),
    ],
    "expectation_gap": [
        ("投诉：实物和宣传差距大", "买家投诉{item}实际效果远不如详情页宣传，觉得被夸大宣传了。", True),
    ],
    "product_quality": [
        ("投诉：{item}质量差", "买家投诉{item}做工粗糙，用了不到一周就坏了，要求退款并赔偿。", True),
    ],
    "policy": [
        ("投诉：不认可退货运费规定", "买家不认可无理由退货由买家承担寄回运费的规定，认为店铺应该全包。", True),
    ],
}
COMPLAINT_CAUSE_WEIGHTS = {"broken_promise": 3, "service": 3, "product_quality": 2, "communication": 2, "expectation_gap": 2, "policy": 1}

ANY_TIME = {
    "service_attitude": [("对客服态度不满", "买家认为客服回复生硬、敷衍，要求主管处理。")],
    "other": [("发票问题", "买家需要开具增值税专用发票，提供了公司信息。")],
}

REPLIES = {
    "first": ["您好，非常抱歉给您带来不便，我是售后{agent}，马上为您核实处理。", "亲，您的问题已收到，{agent}这边立即跟进，请稍等。"],
    "waiting_customer": ["麻烦您拍一下商品和外包装的照片发给我们，方便尽快处理。", "请问方便提供一下问题的视频吗？"],
    "waiting_carrier": ["已联系{carrier}核实，催促网点尽快派送，有进展第一时间通知您。", "已转仓库核对发货记录，稍后给您答复。"],
    "resolved": ["已为您处理完毕，后续有任何问题随时联系我们。", "问题已解决，给您添麻烦了，感谢您的理解和支持！"],
    "note": ["买家情绪较激动，注意安抚。", "已核对聊天记录，当时客服介绍无夸大。", "老客户，优先处理。"],
    "note_late": ["网点爆仓，快递预计延迟1-2天。", "已查物流：中转站积压，已催件。"],
}
FOLLOW_UP_SOLVED = ["已经解决了，谢谢", "满意，处理很快", "可以，没问题了", "", ""]
FOLLOW_UP_NOT_SOLVED = "换回来的还是有同样的问题，没有解决"

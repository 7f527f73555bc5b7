from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("Awaiting payment")  # 等待买家付款
    PAID = "paid", _("Paid, awaiting shipment")  # 买家已付款，等待卖家发货
    SHIPPED = "shipped", _("Shipped")  # 卖家已发货，等待买家确认
    DELIVERED = "delivered", _("Delivered")  # 已签收
    COMPLETED = "completed", _("Completed")  # 交易成功
    CLOSED = "closed", _("Closed")  # 交易关闭 (unpaid and cancelled)
    REFUNDING = "refunding", _("Refund in progress")  # 退款中
    REFUNDED = "refunded", _("Refunded")  # 已退款


class SourcePlatform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao / Tmall")
    JD = "jd", _("JD.com")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    SHOP = "shop", _("Own shop")
    OTHER = "other", _("Other")


class ReturnKind(models.TextChoices):
    """What the customer asks for (退换货)."""

    RETURN = "return", _("Return and refund")  # 退货退款
    EXCHANGE = "exchange", _("Exchange")  # 换货
    REFUND_ONLY = "refund_only", _("Refund without return")  # 仅退款


class ReturnStatus(models.TextChoices):
    """The return's progress, from the request to the money or the new parcel."""

    REQUESTED = "requested", _("Requested")  # 买家申请
    APPROVED = "approved", _("Approved")  # 同意, waiting for the parcel back
    DECLINED = "declined", _("Declined")  # 拒绝 (citing a rule of 售后制度)
    IN_TRANSIT = "in_transit", _("Returning")  # 买家已寄回
    RECEIVED = "received", _("Received")  # 仓库已收货
    INSPECTED = "inspected", _("Inspected")  # 已验货
    COMPLETED = "completed", _("Completed")  # 已退款/已补发/已换货


class ReturnResolution(models.TextChoices):
    FULL_REFUND = "full_refund", _("Full refund")  # 全额退款
    PARTIAL_REFUND = "partial_refund", _("Partial refund")  # 部分退款
    RESEND = "resend", _("Resend")  # 补发
    EXCHANGE = "exchange", _("Exchange")  # 换新


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")  # 待主管审批: above the agent's limit; the amount is reserved
    ISSUED = "issued", _("Issued")  # 已退款
    DECLINED = "declined", _("Declined")  # 审批未通过: the amount is free again


class CompensationTrigger(models.TextChoices):
    """Which problem a compensation policy answers (DOMAIN.md 9: a written delay-compensation policy)."""

    LATE_DELIVERY = "late_delivery", _("Late delivery")  # 延迟赔偿
    TRANSPORT_DAMAGE = "transport_damage", _("Damaged in transport")  # 运输损坏
    WRONG_OR_MISSING = "wrong_or_missing", _("Wrong or missing item")  # 错发漏发
    QUALITY = "quality", _("Quality problem")  # 质量问题


class CompensationKind(models.TextChoices):
    COUPON = "coupon", _("Coupon")  # 优惠券, value in yuan
    REFUND_PERCENT = "refund_percent", _("Refund a percentage")  # 按实付金额比例退款
    FIXED_AMOUNT = "fixed_amount", _("Fixed amount")  # 固定金额补偿


class CompensationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # 系统建议, waiting for a decision
    APPROVED = "approved", _("Approved")  # 已批准 (coupon issued)
    DECLINED = "declined", _("Declined")  # 未采纳
    PAID = "paid", _("Paid")  # 已退款到账 (a Refund row carries the money)

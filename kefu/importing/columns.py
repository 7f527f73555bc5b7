"""The columns each kind of import understands, under the headers shop-management exports use.

Headers are matched after normalising (case, spaces, underscores, a trailing unit such as
"(元)"), so "Order Number", "order_number" and "订单编号" all find their field. A mapping file
({"their header": "our field"}) covers any other export; "our field" may also be one of the
headers below.
"""

import json
import re
from dataclasses import dataclass
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .enums import ImportKind
from .readers import FileUnreadable


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    label: Promise
    aliases: tuple[str, ...]
    required: bool = False


ORDER_COLUMNS: tuple[Column, ...] = (
    Column("number", _("order number"), ("订单编号", "订单号", "订单id", "主订单编号", "订单编码", "order_number", "order_no", "order_id", "number"), required=True),
    Column("buyer", _("buyer member name"), ("买家会员名", "买家昵称", "买家账号", "买家帐号", "会员名", "客户账号", "下单帐号", "下单账号", "用户昵称", "旺旺", "buyer", "buyer_nick", "member")),
    Column("alipay_account", _("Alipay account"), ("买家支付宝账号", "支付宝账号", "alipay_account")),
    Column("email", _("e-mail"), ("邮箱", "买家邮箱", "电子邮箱", "email", "e-mail")),
    Column("payment_number", _("payment number"), ("支付单号", "支付宝交易号", "交易号", "payment_number")),
    Column("goods_amount", _("goods amount"), ("买家应付货款", "商品总价", "商品金额", "货款", "订单金额", "goods_amount", "subtotal")),
    Column("shipping_fee", _("shipping fee"), ("买家应付邮费", "邮费", "运费", "运费金额", "shipping_fee", "shipping")),
    Column("amount_due", _("total amount"), ("总金额", "应付金额", "订单总金额", "应付总额", "amount_due", "total", "total_amount")),
    Column("paid_amount", _("amount paid"), ("买家实际支付金额", "实付金额", "实际支付金额", "用户实付金额", "实收款", "支付金额", "paid", "paid_amount", "amount_paid")),
    Column("discount", _("discount"), ("优惠/折扣", "优惠", "折扣", "优惠金额", "折扣金额", "店铺优惠折扣", "订单优惠", "discount", "discount_amount")),
    Column("refund_amount", _("refund amount"), ("退款金额", "refund", "refund_amount")),
    Column("status", _("order status"), ("订单状态", "状态", "交易状态", "status", "order_status")),
    Column("buyer_message", _("buyer message"), ("买家留言", "买家备注", "客户留言", "用户留言", "buyer_message", "message")),
    Column("seller_note", _("order note"), ("订单备注", "商家备注", "卖家备注", "备注", "seller_note", "note", "remark")),
    Column("receiver_name", _("receiver name"), ("收货人姓名", "收货人", "收件人", "收件人姓名", "客户姓名", "receiver", "receiver_name", "consignee")),
    Column("address", _("shipping address"), ("收货地址", "详细地址", "客户地址", "收货人地址", "收件地址", "address", "shipping_address")),
    Column("province", _("province"), ("省份", "省", "收货省份", "province")),
    Column("city", _("city"), ("城市", "市", "收货城市", "city")),
    Column("district", _("district"), ("区", "区县", "district")),
    Column("street", _("street"), ("街道", "street")),
    Column("telephone", _("telephone"), ("联系电话", "固定电话", "telephone", "tel")),
    Column("phone", _("mobile phone"), ("联系手机", "手机", "手机号", "收货人手机号", "收货人电话", "收件人手机", "联系方式", "mobile", "phone")),
    Column("placed_at", _("order creation time"), ("订单创建时间", "创建时间", "下单时间", "订单成交时间", "成交时间", "拍下时间", "placed_at", "created_at", "order_time", "order_date")),
    Column("paid_at", _("payment time"), ("订单付款时间", "付款时间", "支付时间", "付款确认时间", "paid_at", "payment_time")),
    Column("shipped_at", _("shipping time"), ("发货时间", "卖家发货时间", "出库时间", "shipped_at")),
    Column("delivered_at", _("receipt confirmation time"), ("确认收货时间", "签收时间", "完成时间", "交易完成时间", "delivered_at", "completed_at")),
    Column("closed_at", _("closing time"), ("订单关闭时间", "关闭时间", "取消时间", "closed_at")),
    Column("promised_ship_by", _("promised shipping time"), ("承诺发货时间", "最晚发货时间", "约定发货时间", "承诺发货", "promised_ship_by", "ship_by")),
    Column("promised_delivery_by", _("promised delivery time"), ("预计送达时间", "承诺送达时间", "预计到达时间", "预计到货时间", "承诺到货时间", "promised_delivery_by", "deliver_by")),
    Column("title", _("item title"), ("宝贝标题", "商品名称", "商品标题", "商品", "标题", "宝贝名称", "title", "item", "product_name")),
    Column("item_kinds", _("item kinds"), ("宝贝种类", "商品种类", "item_kinds")),
    Column("quantity", _("quantity"), ("宝贝数量", "商品数量", "数量", "购买数量", "订购数量", "quantity", "qty")),
    Column("unit_price", _("unit price"), ("价格", "单价", "商品单价", "商品价格", "宝贝单价", "unit_price", "price")),
    Column("sku", _("merchant code"), ("商家编码", "商家编码-sku维度", "商家编码-商品维度", "商品编码", "外部系统编号", "商品货号", "sku")),
    Column("carrier", _("carrier"), ("物流公司", "快递公司", "承运商", "carrier", "logistics_company")),
    Column("tracking_number", _("tracking number"), ("物流单号", "快递单号", "运单号", "运单号码", "tracking_number", "tracking")),
    Column("shipping_method", _("shipping method"), ("运送方式", "物流方式", "配送方式", "shipping_method")),
    Column("shop_name", _("shop name"), ("店铺名称", "店铺", "shop", "shop_name")),
)  # fmt: skip

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("name", _("name"), ("客户姓名", "姓名", "名字", "客户名称", "name", "customer_name", "full_name")),
    Column("gender", _("gender"), ("性别", "gender", "sex")),
    Column("birthday", _("birthday"), ("生日", "出生日期", "birthday", "birth_date")),
    Column("province", _("province"), ("省份", "省", "province")),
    Column("city", _("city"), ("城市", "市", "city")),
    Column("address", _("address"), ("地址", "详细地址", "收货地址", "address")),
    Column("phone", _("phone"), ("手机", "手机号", "手机号码", "电话", "联系电话", "联系手机", "mobile", "phone", "tel")),
    Column("email", _("e-mail"), ("邮箱", "电子邮箱", "邮件", "email", "e-mail", "mail")),
    Column("hobbies", _("hobbies"), ("爱好", "兴趣爱好", "兴趣", "hobbies", "interests")),
    Column("buyer", _("buyer member name"), ("买家会员名", "会员名", "买家昵称", "旺旺", "旺旺号", "buyer", "member")),
    Column("tags", _("tags"), ("标签", "客户标签", "tags")),
)  # fmt: skip

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("sku", _("SKU"), ("商家编码", "货号", "商品编码", "编码", "sku"), required=True),
    Column("name", _("product name"), ("商品名称", "名称", "宝贝标题", "商品标题", "宝贝名称", "name", "title", "product_name")),
    Column("category", _("category"), ("类目", "分类", "商品类目", "category")),
    Column("price", _("price"), ("价格", "售价", "单价", "一口价", "price")),
    Column("stock", _("stock"), ("库存", "库存数量", "数量", "stock", "quantity", "inventory")),
    Column("features", _("features"), ("特点", "卖点", "features")),
    Column("advantages", _("advantages"), ("优势", "advantages")),
    Column("applications", _("applications"), ("应用", "用途", "适用场景", "applications", "uses")),
    Column("summary", _("summary"), ("简介", "摘要", "summary")),
    Column("description", _("description"), ("描述", "详情", "商品描述", "description")),
    Column("aliases", _("aliases"), ("别名", "型号", "aliases")),
)  # fmt: skip

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.ORDERS: ORDER_COLUMNS,
    ImportKind.CUSTOMERS: CUSTOMER_COLUMNS,
    ImportKind.PRODUCTS: PRODUCT_COLUMNS,
}

_UNIT_SUFFIX = re.compile(r"[(（][^)）]*[)）]$")
_NOISE = re.compile(r"[\s_\-]+")


def normalise_header(header: str) -> str:
    header = header.replace("\ufeff", "").strip().lower()
    header = _UNIT_SUFFIX.sub("", header).strip()
    return _NOISE.sub("", header)


def _alias_index(kind: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for alias in (column.field, *column.aliases):
            index.setdefault(normalise_header(alias), column.field)
    return index


@dataclass(slots=True)
class ColumnMap:
    """Which position in a row holds which field."""

    positions: dict[str, int]
    labels: dict[str, str]  # field -> the header as written in the file, for error messages
    ignored: list[str]

    def cells(self, values: tuple[Any, ...]) -> dict[str, Any]:
        size = len(values)
        return {field: values[position] for field, position in self.positions.items() if position < size}


def load_mapping(source: IO[bytes] | IO[str] | str | dict | None) -> dict[str, str]:
    """Read a mapping file {"their header": "our field"} (a path, a file or a dict)."""
    if source is None or source == "":
        return {}
    if isinstance(source, dict):
        data = source
    else:
        try:
            if isinstance(source, str):
                with open(source, encoding="utf-8-sig") as handle:
                    data = json.load(handle)
            else:
                raw = source.read()
                data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
        except (OSError, ValueError) as error:
            raise FileUnreadable(gettext("The mapping file is not valid JSON: %(error)s") % {"error": error}) from error
    if not isinstance(data, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in data.items()):
        raise FileUnreadable(gettext('The mapping file must be a JSON object such as {"their header": "our field"}.'))
    return data


def resolve_columns(*, kind: str, header: list[str], mapping: dict[str, str] | None = None) -> ColumnMap:
    """Match the file's header row to fields; a required column that is missing fails the file."""
    aliases = _alias_index(kind)
    fields = {column.field for column in COLUMNS[kind]}
    custom: dict[str, str | None] = {}
    for their, ours in (mapping or {}).items():
        if not ours:
            custom[normalise_header(their)] = None
            continue
        field = ours if ours in fields else aliases.get(normalise_header(ours))
        if field is None:
            raise FileUnreadable(
                gettext("The mapping file names an unknown field %(field)s; known fields: %(fields)s.")
                % {"field": ours, "fields": ", ".join(sorted(fields))}
            )
        custom[normalise_header(their)] = field
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        key = normalise_header(name)
        field = custom[key] if key in custom else aliases.get(key)
        if field is None or field in positions:
            if name:
                ignored.append(name)
            continue
        positions[field] = position
        labels[field] = name
    missing = [column for column in COLUMNS[kind] if column.required and column.field not in positions]
    if missing:
        raise FileUnreadable(
            gettext("The file has no %(column)s column (found: %(header)s).")
            % {"column": str(missing[0].label), "header": "、".join(h for h in header if h) or "-"}
        )
    for column in COLUMNS[kind]:
        labels.setdefault(column.field, str(column.label))
    return ColumnMap(positions=positions, labels=labels, ignored=ignored)

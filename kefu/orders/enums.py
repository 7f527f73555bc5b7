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

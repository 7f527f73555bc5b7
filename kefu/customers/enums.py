from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Platform(models.TextChoices):
    """Where an identity comes from; one customer may have one on each."""

    TAOBAO = "taobao", _("Taobao / Tmall")  # 买家会员名
    JD = "jd", _("JD.com")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    WECHAT = "wechat", _("WeChat")
    SHOP = "shop", _("Own shop")  # the shop's own site account
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WIDGET = "widget", _("Web widget visitor")
    API = "api", _("API")


class ValueLevel(models.TextChoices):
    UNKNOWN = "", _("Not classified")
    HIGH = "high", _("High value")
    MEDIUM = "medium", _("Medium value")
    LOW = "low", _("Low value")


class Loyalty(models.TextChoices):
    UNKNOWN = "", _("Not classified")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potentially loyal")
    CHURNED = "churned", _("Churned")


class NeedType(models.TextChoices):
    UNKNOWN = "", _("Not classified")
    FUNCTIONAL = "functional", _("Functional")
    EMOTIONAL = "emotional", _("Emotional")
    COMBINED = "combined", _("Combined")


class BuyingBehaviour(models.TextChoices):
    UNKNOWN = "", _("Not classified")
    SOCIAL = "social", _("Social")  # 交际型
    BUYER = "buyer", _("Buyer")  # 购买型
    POLITE = "polite", _("Polite")  # 礼貌型
    BARGAINER = "bargainer", _("Bargainer")  # 讲价型
    NON_PAYER = "non_payer", _("Orders but never pays")  # 拍下不买型


class Temperament(models.TextChoices):
    UNKNOWN = "", _("Not classified")
    DECISIVE = "decisive", _("Decisive")  # 干脆型
    COLD = "cold", _("Cold")  # 冷漠型
    LIVELY = "lively", _("Lively")  # 活泼型
    TROUBLESOME = "troublesome", _("Troublesome")  # 麻烦型

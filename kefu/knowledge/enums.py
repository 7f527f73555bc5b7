from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FaqCategory(models.TextChoices):
    PRESALE = "presale", pgettext_lazy("faq category", "Pre-sale")  # 售前咨询 (not 预售, a stock state)
    PRODUCT = "product", _("Product")  # 产品问题
    BARGAINING = "bargaining", _("Bargaining")  # 议价
    PAYMENT = "payment", _("Payment")  # 支付
    LOGISTICS = "logistics", _("Logistics")  # 物流
    RETURNS = "returns", _("Returns and exchanges")  # 退换货
    REPAIR = "repair", _("Repair and technical help")  # 维修与技术
    REVIEW = "review", _("Reviews")  # 评价
    AFTERSALES = "aftersales", _("After-sales")  # 其他售后


class PhraseStage(models.TextChoices):
    GREETING = "greeting", _("Greeting")  # 欢迎语
    DIALOGUE = "dialogue", _("Dialogue")  # 对话用语
    BARGAINING = "bargaining", _("Bargaining")  # 议价
    PAYMENT = "payment", _("Payment")  # 支付
    LOGISTICS = "logistics", _("Logistics")  # 物流
    AFTERSALES = "aftersales", _("After-sales")  # 售后
    REVIEW = "review", _("Review")  # 评价
    CLOSING = "closing", _("Farewell")  # 结束语


class ForbiddenCategory(models.TextChoices):
    CONTEMPT = "contempt", _("Contempt")  # 蔑视语
    IMPATIENCE = "impatience", _("Impatience")  # 烦躁语
    DENIAL = "denial", _("Denial")  # 否定语
    SPITE = "spite", _("Spite")  # 斗气语
    EXAGGERATION = "exaggeration", _("Exaggeration")  # 夸大产品信息
    BLAME = "blame", _("Blaming the customer")  # 推责语: implying the customer is at fault
    REFUSAL = "refusal", _("Outright refusal")  # 拒绝语: refusing without an alternative


class ObjectionKind(models.TextChoices):
    THINK_ABOUT_IT = "think_about_it", _("I'll think about it")  # 我要考虑一下
    TOO_EXPENSIVE = "too_expensive", _("Too expensive")  # 太贵了
    MARKET_BAD = "market_bad", _("The market is bad")  # 市场不景气
    CHEAPER_PLEASE = "cheaper_please", _("Can it be cheaper")  # 能不能便宜一些
    CHEAPER_ELSEWHERE = "cheaper_elsewhere", _("Cheaper elsewhere")  # 别的地方更便宜
    WORTH_IT = "worth_it", _("Is it worth the price")  # 真的值这个价吗
    NO = "no", _("No")  # 不要/不需要


class ClosingKind(models.TextChoices):
    SCARCITY = "scarcity", _("Fear of missing out")  # 利用怕买不到的心理
    URGENCY = "urgency", _("Wanting it soon")  # 利用顾客希望快点拿到商品的心理
    EITHER_OR = "either_or", _("Either-or question")  # 二选其一
    HELP_CHOOSE = "help_choose", _("Help to choose")  # 帮助准顾客挑选
    COUNTER_QUESTION = "counter_question", _("Clever counter-question")  # 巧妙反问
    RECOMMEND = "recommend", _("Positive recommendation")  # 积极推荐


class ProblemType(models.TextChoices):
    """The six after-sales problems with a playbook (DOMAIN.md 9)."""

    NOT_AS_IMAGINED = "not_as_imagined", _("Not as imagined")  # 与想象中不符
    SERVICE = "service", _("Unhappy with service")  # 对服务不满意
    WRONG_OR_MISSING = "wrong_or_missing", _("Wrong or missing items")  # 配货错漏
    LATE_DELIVERY = "late_delivery", _("Late delivery")  # 到货延迟
    TRANSPORT_DAMAGE = "transport_damage", _("Damaged in transport")  # 物流运输问题
    QUALITY = "quality", _("Product quality")  # 产品质量问题


class SuggestionSource(models.TextChoices):
    """Where a reply suggestion came from (kefu.assist.suggest.SOURCES)."""

    FAQ = "faq", _("FAQ")  # 知识库
    PHRASE = "phrase", _("Quick phrase")  # 快捷短语
    OBJECTION = "objection", _("Objection script")  # 异议处理
    PRODUCT = "product", _("Product facts")  # 商品卖点
    EMPATHY = "empathy", _("Empathy opener")  # 安抚
    CLOSING = "closing", _("Closing technique")  # 促成


class SuggestionOutcome(models.TextChoices):
    """What the agent did with a suggestion; used and edited FAQ answers rank higher later, rejected lower."""

    USED = "used", _("Used as is")
    EDITED = "edited", _("Used after editing")
    REJECTED = "rejected", _("Rejected")

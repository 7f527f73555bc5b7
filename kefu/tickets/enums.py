from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    """What the customer needs (DOMAIN.md 9: classify the feedback, then route it)."""

    TECHNICAL = "technical", _("Technical help")  # 技术咨询
    REPAIR = "repair", _("Repair")  # 维修
    RETURN = "return", _("Return")  # 退货
    EXCHANGE = "exchange", _("Exchange")  # 换货
    REFUND = "refund", _("Refund")  # 退款
    COMPLAINT = "complaint", _("Complaint")  # 投诉建议
    LATE_DELIVERY = "late_delivery", _("Late delivery")  # 到货延迟
    TRANSPORT_DAMAGE = "transport_damage", _("Damaged in transport")  # 物流运输问题
    WRONG_OR_MISSING = "wrong_or_missing", _("Wrong or missing item")  # 配货错漏
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")  # 与想象中不符
    QUALITY = "quality", _("Quality problem")  # 产品质量问题
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")  # 对服务不满意
    OTHER = "other", _("Other")  # 其他


class ComplaintCause(models.TextChoices):
    """Why a customer complains (DOMAIN.md 10)."""

    PRODUCT_QUALITY = "product_quality", _("Product quality")  # 产品质量
    SERVICE = "service", _("Service")  # 服务
    COMMUNICATION = "communication", _("Communication")  # 沟通
    EXPECTATION_GAP = "expectation_gap", _("Expectation gap")  # 期望落差
    BROKEN_PROMISE = "broken_promise", _("Broken promise")  # 承诺未兑现
    POLICY = "policy", _("Policy or regulation")  # 政策法规


class TicketStatus(models.TextChoices):
    """Where a ticket is in the after-sales process: handle, follow up, archive (DOMAIN.md 9)."""

    NEW = "new", _("New")  # 新建: nobody has it yet
    ASSIGNED = "assigned", _("Assigned")  # 已分配: an agent owns it
    IN_PROGRESS = "in_progress", _("In progress")  # 处理中
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")  # 等待客户: the SLA clock pauses
    WAITING_CARRIER = "waiting_carrier", _("Waiting on carrier or warehouse")  # 等待物流/仓库
    RESOLVED = "resolved", _("Resolved")  # 已解决: a follow-up visit is scheduled
    FOLLOW_UP = "follow_up", _("Follow-up")  # 回访中: the customer was asked if it is solved
    CLOSED = "closed", _("Closed")  # 已关闭归档 (档案管理): final, no reopening


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")  # 低
    NORMAL = "normal", _("Normal")  # 普通
    HIGH = "high", _("High")  # 高: angry customer, high-value order
    URGENT = "urgent", _("Urgent")  # 紧急: safety, platform dispute, crisis


class TicketChannel(models.TextChoices):
    """Where the ticket was opened."""

    CONVERSATION = "conversation", _("From a conversation")  # 会话中一键创建
    WORKBENCH = "workbench", _("Workbench")  # 客服手工创建
    API = "api", _("API")  # 接口
    WEB_FORM = "web_form", _("Customer web form")  # 买家自助提交
    SYSTEM = "system", _("System")  # 系统 (demo, incidents)


class TicketEventAction(models.TextChoices):
    """One line of a ticket's timeline."""

    CREATED = "created", _("Created")  # 创建
    TRANSITIONED = "transitioned", _("Status changed")  # 状态变更
    ASSIGNED = "assigned", _("Assigned")  # 分配/转派
    REOPENED = "reopened", _("Reopened")  # 重新打开
    COMMENTED = "commented", _("Replied to the customer")  # 回复客户
    NOTE_ADDED = "note_added", _("Internal note")  # 内部备注
    DECLINED = "declined", _("Request declined citing a rule")  # 依据售后制度拒绝
    CHECKLIST_TICKED = "checklist_ticked", _("Checklist item done")  # 预案清单勾选
    CHECKLIST_UNTICKED = "checklist_unticked", _("Checklist item undone")  # 取消勾选
    UPDATED = "updated", _("Details changed")  # 类型/优先级等修改
    RETURN_CHANGED = "return_changed", _("Return or exchange updated")  # 退换货进度
    REFUND = "refund", _("Refund")  # 退款
    COMPENSATION = "compensation", _("Compensation")  # 赔偿


class ChecklistSection(models.TextChoices):
    """The parts of a playbook an agent ticks (DOMAIN.md 9)."""

    CAUSES = "causes", _("Causes to check")  # 原因分析
    HANDLING = "handling", _("Handling steps")  # 处理技巧
    OFFERS = "offers", _("What to offer")  # 可提供的方案

"""After-sales tickets: one module per concern, gathered here for Django."""
from .followup import CustomerChannel, FollowUpVisit  # noqa: F401
from .incident import Incident, IncidentContact, IncidentDimension, IncidentEvent, IncidentStatus  # noqa: F401
from .notification import Notification, NotificationKind  # noqa: F401
from .playbook import ChecklistTick  # noqa: F401
from .sla import BusinessCalendar, Holiday, SlaClock, SlaPolicy, SlaState, SlaTarget, TicketSettings  # noqa: F401
from .ticket import SavedView, Ticket, TicketComment, TicketEvent  # noqa: F401

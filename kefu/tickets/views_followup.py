"""The customer's public follow-up page (回访): no sign-in, the signed link is the key."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .followups import follow_up_answer, follow_up_from_token

RATINGS = (5, 4, 3, 2, 1)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    visit = follow_up_from_token(token)
    if visit is None:  # a forged, cut or very old link: say so to the customer, in their language
        return render(request, "tickets/followup/invalid.html", {}, status=404)
    context = {"visit": visit, "ticket": visit.ticket, "ratings": RATINGS, "errors": {}, "values": {}}
    if visit.answered_at is not None:
        return render(request, "tickets/followup/thanks.html", context)
    if visit.cancelled_at is not None or visit.expired_at is not None:
        return render(request, "tickets/followup/closed.html", context, status=410)
    if request.method == "GET":
        return render(request, "tickets/followup/answer.html", context)
    solved = request.POST.get("solved", "")
    rating = request.POST.get("rating", "")
    context["values"] = {"solved": solved, "rating": rating, "comment": request.POST.get("comment", "")}
    if solved not in ("yes", "no"):
        context["errors"] = {"solved": [_("Please tell us whether the problem is solved.")]}
        return render(request, "tickets/followup/answer.html", context, status=400)
    try:
        follow_up_answer(
            visit=visit, solved=solved == "yes", rating=int(rating) if rating.isdigit() else None, comment=request.POST.get("comment", "")
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            context["errors"] = error.message_dict
            return render(request, "tickets/followup/answer.html", context, status=400)
        visit.refresh_from_db()  # answered or closed meanwhile, e.g. a double submit
        if visit.answered_at is not None:
            return render(request, "tickets/followup/thanks.html", context)
        return render(request, "tickets/followup/closed.html", context, status=410)
    visit.refresh_from_db()
    return render(request, "tickets/followup/thanks.html", context)

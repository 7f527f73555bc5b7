from django.db import models
from django.utils.translation import gettext_lazy as _


class StockState(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    LOW = "low", _("Low stock")  # a few left: agents may mention it to close (促成)
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    PRESALE = "presale", _("Pre-sale")  # ships later; the promised date applies
    DISCONTINUED = "discontinued", _("Discontinued")

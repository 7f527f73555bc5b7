"""The admin site's names, in the user's language."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Kefu customer service administration")
admin.site.site_title = _("Kefu admin")
admin.site.index_title = _("Data administration")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目与自评表")

    def ready(self) -> None:
        from . import access  # noqa: F401  registers the sheet permissions
        from .audit import receivers

        receivers.connect()  # the audit log listens to logins, saves and the admin
        from .models import connect_list_keys

        connect_list_keys()  # renames refresh the sheet list's sort keys
        from django.db.models.signals import post_migrate

        from .figures import connect_unit_years, fill_missing

        connect_unit_years()  # a sheet moved or deleted: its unit's year is counted again
        # After an upgrade, sheets without stored figures get them (projects/figures.py).
        post_migrate.connect(fill_missing, sender=self, dispatch_uid="projects.fill_figures")

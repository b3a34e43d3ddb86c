from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目与自评表")

    def ready(self) -> None:
        from . import access  # noqa: F401  registers the sheet permissions
        from .audit import receivers

        receivers.connect()  # the audit log listens to logins, saves and the admin

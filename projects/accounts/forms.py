"""The second-factor and enrollment forms; the password forms are Django's own."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """The code from the authenticator app (six digits) or one recovery code."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "text",
                "spellcheck": "false",
                "class": "form-control form-control-lg text-center",
            }
        ),
    )


class EnrollForm(forms.Form):
    """The first code from the app, proving the QR code was read."""

    code = forms.RegexField(
        label=_("验证码"),
        regex=r"^\s*\d{3}\s*\d{3}\s*$",
        error_messages={"invalid": _("请输入验证器应用显示的 6 位数字。")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "numeric",
                "class": "form-control form-control-lg text-center",
            }
        ),
    )

"""The password policy (MLPS level 3, 身份鉴别): long enough, of several kinds of character,
and not the user's name. Django's common-password and similarity validators stay beside it
(AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
)


def character_classes(password: str) -> set[str]:
    """Which of the four classes the password uses: lower, upper, digit, symbol (anything
    else, a space or a CJK character included)."""
    found = set()
    for char in password:
        for name, test in CLASSES:
            if test(char):
                found.add(name)
                break
        else:
            found.add("symbol")
    return found


class ComplexityValidator:
    """At least `min_length` characters, at least `min_classes` of the four classes (lower,
    upper, digit, symbol), and not containing the username (case-insensitive)."""

    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("密码至少需要 %(min_length)d 个字符。"),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if len(character_classes(password)) < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码须至少包含小写字母、大写字母、数字、符号中的 %(min_classes)d 类。"),
                    code="password_too_simple",
                    params={"min_classes": self.min_classes},
                )
            )
        username = (user.get_username() if user is not None else "") or ""
        if username and username.casefold() in password.casefold():
            errors.append(ValidationError(_("密码不能包含用户名。"), code="password_has_username"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "密码至少 %(min_length)d 个字符，至少包含小写字母、大写字母、数字、符号中的 "
            "%(min_classes)d 类，且不能包含用户名。"
        ) % {"min_length": self.min_length, "min_classes": self.min_classes}

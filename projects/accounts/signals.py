"""The account-security events only this room knows, as Django signals, for the audit log.

Django sends `user_logged_in` (the password step passed), `user_logged_out` and
`user_login_failed`; django-axes sends `user_locked_out`. This module adds the rest. Every
signal is sent with `sender` (the function that sends it, a string), `request` and `user`
(who acted); `target` is the account acted upon, when that is someone else.

- `otp_verified(device)`: the second factor passed (`device` is the TOTP device, or the
  recovery-code StaticDevice when a recovery code was used; a used code is spent).
- `otp_failed(reason)`: a wrong second-factor code (`reason` "wrong" or "throttled"). It also
  counts as a failed login for the lock-out: Django's `user_login_failed` is sent with it,
  credentials {"username": ..., "second_factor": True}, so the audit log may see both.
- `device_enrolled(device)`: the user confirmed a new TOTP device; 10 recovery codes were made.
- `devices_reset(target)`: an administrator removed every second-factor device of `target`.
- `account_unlocked(target)`: an administrator lifted `target`'s lock-out.
- `password_changed(target, by_administrator)`: a password was set; `by_administrator` True
  when the 管理员 set it (the target must then change it at the next login).
- `password_change_required(reason)`: the user was sent to change the password before going
  on (`reason` "reset" after an administrator set it, "expired" after the maximum age).
- `session_ended(reason)`: the app ended a session (`reason` "idle" after the idle time-out,
  "superseded" when a newer login of the same account replaced it: sent when the older
  session is cleared, and again if that session still comes back). Where the session is
  ended by logging it out, Django's `user_logged_out` is sent too.
"""

from django.dispatch import Signal

otp_verified = Signal()
otp_failed = Signal()
device_enrolled = Signal()
devices_reset = Signal()
account_unlocked = Signal()
password_changed = Signal()
password_change_required = Signal()
session_ended = Signal()

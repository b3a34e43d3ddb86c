"""The audit log in words: each action and result code, the object types and the known
parameters, worded when a page or an export shows them, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from projects import workflow
from projects.models import ExportJob

from .codes import Action, Result
from .services import canonical_json

ACTIONS = {
    Action.LOGIN: _("登录"),
    Action.LOGIN_FAILED: _("登录失败"),
    Action.LOGOUT: _("退出登录"),
    Action.LOCKOUT: _("账户锁定"),
    Action.UNLOCK: _("解除账户锁定"),
    Action.OTP_VERIFIED: _("动态口令验证"),
    Action.OTP_FAILED: _("动态口令验证失败"),
    Action.OTP_ENROLLED: _("绑定动态口令设备"),
    Action.OTP_RESET: _("重置动态口令设备"),
    Action.PASSWORD_CHANGE: _("修改密码"),
    Action.PASSWORD_CHANGE_REQUIRED: _("要求修改密码"),
    Action.SESSION_ENDED: _("会话结束"),
    Action.ACCESS: _("越权访问"),
    Action.SHEET_CREATE: _("新建或导入自评表"),
    Action.SHEET_DELETE: _("删除自评表草稿"),
    Action.CONTENT_SAVE: _("保存自评表内容"),
    Action.TRANSITION: _("状态变更"),
    Action.COMMENT_ADD: _("发表审核意见"),
    Action.COMMENT_RESOLVE: _("标记意见已解决"),
    Action.COMMENT_REOPEN: _("重新打开意见"),
    Action.EVIDENCE_UPLOAD: _("上传佐证材料"),
    Action.EVIDENCE_DOWNLOAD: _("下载佐证材料"),
    Action.EVIDENCE_DELETE: _("删除佐证材料"),
    Action.EXPORT: _("导出自评表"),
    Action.BATCH_EXPORT: _("发起批量导出"),
    Action.BATCH_DOWNLOAD: _("下载批量导出文件"),
    Action.ADMIN_CHANGE: _("后台管理操作"),
    Action.TASK_ISSUE: _("下达评价任务"),
    Action.TASK_CHANGE: _("调整评价任务"),
    Action.TASK_CANCEL: _("撤销评价任务"),
    Action.RECHECK_DRAW: _("抽取复核样本"),
    Action.RECHECK_SCORE: _("复核评分"),
    Action.RECHECK_EXPORT: _("导出复核结果"),
    Action.CHECKS_EXPORT: _("导出跨表检查报告"),
    Action.PUBLISH: _("公开自评表"),
    Action.UNPUBLISH: _("撤回公开"),
    Action.BULK_REVIEW: _("批量审核"),
    Action.AUDIT_EXPORT: _("导出审计日志"),
    Action.AUDIT_PRUNE: _("清理过期审计记录"),
}

RESULTS = {
    Result.OK: _("成功"),
    Result.REFUSED: _("拒绝"),
    Result.FAILED: _("失败"),
}

OBJECT_TYPES = {
    "sheet": _("自评表"),
    "comment": _("审核意见"),
    "evidence": _("佐证材料"),
    "export_job": _("批量导出"),
    "task": _("评价任务"),
    "recheck": _("抽查复核"),
    "user": _("用户"),
    "audit": _("审计日志"),
}

PARAMS = {
    "action": _("操作"),
    "from": _("原状态"),
    "to": _("新状态"),
    "version": _("版本"),
    "sheet": _("自评表编号"),
    "kind": _("导出内容"),
    "year": _("年度"),
    "size": _("大小"),
    "content_type": _("类型"),
    "anchor": _("评论位置"),
    "reply": _("回复"),
    "flag": _("后台操作"),
    "model": _("数据类别"),
    "changes": _("变更内容"),
    "method": _("请求方法"),
    "path": _("地址"),
    "view": _("页面"),
    "status": _("响应"),
    "source": _("来源"),
    "format": _("格式"),
    "count": _("条数"),
    "first": _("首条"),
    "last": _("末条"),
    "before": _("早于"),
    "filters": _("筛选条件"),
    "reason": _("原因"),
    "device": _("设备"),
    "by_administrator": _("由管理员设置"),
    "second_factor": _("第二因素"),
    "items": _("项目数"),
    "done": _("已执行"),
    "refused": _("未执行"),
    "not_found": _("未找到"),
    "sheets": _("自评表"),
    "bulk": _("批量操作"),
    "allow_open_comments": _("有待处理意见也通过"),
    "deadline": _("截止日期"),
    "department": _("主管部门"),
    "rows": _("指标行数"),
    "evidence": _("佐证材料数"),
}

ADMIN_FLAGS = {"add": _("新增"), "change": _("修改"), "delete": _("删除")}
SOURCES = {"web": _("网页"), "admin": _("后台管理"), "command": _("命令行")}
REASONS = {
    "wrong": _("口令错误"),
    "throttled": _("尝试过于频繁"),
    "reset": _("管理员重置"),
    "expired": _("密码过期"),
    "idle": _("空闲超时"),
    "superseded": _("账户在别处登录"),
    "stale": _("内容已被他人修改（版本过期）"),
    "rename": _("项目不能改名"),
    "errors": _("仍有错误"),
    "comment_required": _("缺少意见"),
    "open_comments": _("尚有待处理意见"),
    "not_awaiting": _("不在待审核状态"),
}


def _value_choices() -> dict:
    """Parameters whose values are codes, and the words for each code."""
    statuses = dict(workflow.Status.choices)
    return {
        "action": dict(workflow.Transition.choices),
        "from": statuses,
        "to": statuses,
        "kind": {**dict(ExportJob.Kind.choices), "pdf": "PDF", "xlsx": "Excel", "json": "JSON"},
        "flag": ADMIN_FLAGS,
        "source": SOURCES,
        "reason": REASONS,
    }


def action_text(code: str) -> str:
    return str(ACTIONS.get(code, code))


def result_text(code: str) -> str:
    return str(RESULTS.get(code, code))


def object_type_text(code: str) -> str:
    return str(OBJECT_TYPES.get(code, code))


def param_lines(params: dict) -> list[tuple[str, str]]:
    """(label, value) for each parameter, known codes worded, others as they are."""
    choices = _value_choices()
    lines = []
    for key in sorted(params):
        value = params[key]
        words = choices.get(key, {})
        if isinstance(value, str) and value in words:
            shown = str(words[value])
        elif isinstance(value, bool):
            shown = str(_("是") if value else _("否"))
        elif isinstance(value, dict | list):
            shown = canonical_json(value)
        else:
            shown = "" if value is None else str(value)
        lines.append((str(PARAMS.get(key, key)), shown))
    return lines


def params_text(params: dict) -> str:
    return "; ".join(f"{label}: {value}" for label, value in param_lines(params))


def action_choices() -> list[tuple[str, str]]:
    return [(code.value, str(label)) for code, label in ACTIONS.items()]


def result_choices() -> list[tuple[str, str]]:
    return [(code.value, str(label)) for code, label in RESULTS.items()]

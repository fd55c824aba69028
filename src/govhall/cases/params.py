"""What each workflow action takes: one pydantic model per action (``actions.py`` names it
in the action's row). The API's request body is the union of these, discriminated by
``action``, so the OpenAPI document shows each action's own fields; page forms are parsed
into the same models, and ``services.case_transition`` checks them once for both.

The models check shape (types, lengths, choices, presence); what depends on the case (is
this material on its list, how many days may it still be extended) is the action's
effect's to check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from govhall.catalog.models import DeliveryMode

MAX_TEXT = 2000

# A text that must be given (blank after trimming counts as missing).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]

# What a reviewer may recommend to the chief approver (the "review" action).
REVIEW_RECOMMENDATIONS = {"approve": "建议准予许可", "deny": "建议不予许可"}


class Params(BaseModel):
    """Base of every action's parameters. Unknown fields are ignored (a client may send the
    fields of another action); the page and the API send only what the form has."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class NoParams(Params):
    pass


class AcceptWithDeferralParams(Params):
    deferred: list[int] = Field(
        min_length=1, max_length=100, title="容缺的材料", description="容缺材料的 requirement_id"
    )
    commitment: Text = Field(title="申请人书面承诺")
    signed_by: Name = Field("", title="承诺人", description="默认为申请人")


class CorrectionItem(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    requirement_id: int | None = Field(None, description="需补正的材料；为空表示申请表本身")
    name: Name = Field("", description="requirement_id 为空时的项目名称，默认“申请表”")
    problem: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        title="问题及补正要求"
    )


class RequestCorrectionParams(Params):
    items: list[CorrectionItem] = Field(
        min_length=1, max_length=100, title="补正内容", description="一次性告知的全部补正内容"
    )


class RefusalParams(Params):
    reason: Text = Field(title="理由")
    legal_basis: Text = Field(title="法律依据")


class SuspendParams(Params):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        title="特别程序事由（如现场核查、专家评审、听证）"
    )


class ExtendParams(Params):
    days: int = Field(ge=1, title="延长工作日数", description="不超过法定时限加可延长时限，且只能延长一次")
    reason: Text = Field(title="延长理由")


class ReviewParams(Params):
    recommendation: Literal["approve", "deny"] = Field(
        title="审查建议", description="approve（建议准予许可）或 deny（建议不予许可）；意见写在 comment"
    )
    points: list[int] = Field(
        [], max_length=200, title="审查要点", description="核对通过的审查要点（事项 review_points 的序号，从0起）"
    )


class ApproveParams(Params):
    commitment: OptionalText = Field("", title="告知承诺书内容", description="按告知承诺制审批时填写；一般程序留空")
    signed_by: Name = Field("", title="承诺人", description="默认为申请人")


class IssueParams(Params):
    delivery_mode: DeliveryMode | Literal[""] = Field("", title="送达方式", description="为空：按申请人选择")


class DeliverParams(Params):
    delivery_mode: DeliveryMode | Literal[""] = Field(
        "", title="送达方式", description="为空：出件时选定的方式或窗口领取"
    )
    provider: Annotated[str, StringConstraints(max_length=40)] = Field(
        "", title="送达渠道", description="同一送达方式有多个渠道（如两家寄递企业）时必填：渠道标识"
    )
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = Field(
        "", title="邮件单号"
    )
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = Field("", title="邮寄地址")


class RevokeParams(Params):
    reason: Text = Field(title="撤销理由")


class ConfirmDeferredParams(Params):
    requirement_ids: list[int] = Field(
        [], max_length=100, title="核验的容缺材料", description="为空：全部已提交待核验的"
    )


class VerifyCommitmentParams(Params):
    passed: bool = Field(title="核查结论", description="true：核查属实；false：核查不实")

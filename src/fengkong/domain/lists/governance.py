"""The industry blacklists' rules (004 三(4)①, 001 §1.8-7⑤, 003 ch.4): on what grounds an entry
is made, that it carries evidence, that a second person approves it, and on what grounds it may
be removed. An entry on these lists stops the merchant (and anyone linked to it) from being
onboarded again and refuses its transactions."""

from __future__ import annotations

from dataclasses import dataclass

from fengkong.domain.errors import InputError

Ground = tuple[str, str]  # (zh, en)

_REMOVAL: dict[str, Ground] = {
    "misidentified": ("误列：经核实不符合纳入条件", "listed in error: the grounds were not met"),
    "ruling": ("司法或监管机关决定撤销", "a court or regulator ordered the entry withdrawn"),
    "term_served": ("惩戒期满且未再发生违规", "the term has been served with no further violation"),
}


@dataclass(frozen=True, slots=True)
class ListRules:
    entry: dict[str, Ground]
    removal: dict[str, Ground]
    min_term_policy: str  # the policy value (years) before `term_served` may be given

    def entry_ground(self, ground: str) -> Ground:
        found = self.entry.get(ground)
        if found is None:
            raise InputError("ground", f"not a ground for this list; one of {', '.join(self.entry)}")
        return found

    def removal_ground(self, ground: str) -> Ground:
        found = self.removal.get(ground)
        if found is None:
            raise InputError("ground", f"not a ground for removal; one of {', '.join(self.removal)}")
        return found


GOVERNED: dict[str, ListRules] = {
    "illegal_merchant": ListRules(
        {
            "leaked_sensitive_data": ("泄露支付敏感信息", "leaked payment-sensitive data"),
            "modified_terminal": ("非法改装受理终端", "illegally modified acceptance terminals"),
            "counterfeit_fraud": ("参与伪卡欺诈", "took part in counterfeit-card fraud"),
            "telecom_fraud": ("为电信网络诈骗提供收单服务", "acquired payments for telecom or online fraud"),
            "false_registration": ("虚假商户或冒用身份入网", "a fictitious merchant or a borrowed identity"),
            "scheme_notice": (
                "银行卡清算机构或支付清算协会通报",
                "named by the card scheme or the clearing association",
            ),
        },
        _REMOVAL,
        "merchant_blacklist_min_years",
    ),
    "cashout_merchant": ListRules(
        {
            "confirmed_cashout": ("经调查证实存在套现行为", "cash-out confirmed by investigation"),
            "issuer_request_unrefuted": (
                "发卡机构认定套现并协查，收单机构无依据证明不存在套现",
                "an issuer found cash-out and the acquirer could not show otherwise",
            ),
            "scheme_notice": ("中国银联通报的套现商户", "named as a cash-out merchant by the card scheme"),
            "reported_by_members": (
                "两家及以上成员机构认定套现",
                "found cashing out by two or more member institutions",
            ),
        },
        _REMOVAL,
        "merchant_blacklist_min_years",
    ),
    "outsourcing_provider": ListRules(
        {
            "illegal_conduct": ("外包服务机构违法违规", "the outsourcing provider broke laws or regulations"),
            "kept_sensitive_data": ("违规留存支付敏感信息", "kept payment-sensitive data against the agreement"),
            "failed_assessment": ("年度安全评估不合格或拒绝评估", "failed or refused the annual security assessment"),
            "core_work_outsourced": (
                "承接了不得外包的核心业务（系统运营、终端密钥、商户资质审核）",
                "took on work that may not be outsourced (core systems, terminal keys, merchant vetting)",
            ),
        },
        _REMOVAL,
        "outsourcer_blacklist_min_years",
    ),
}


def rules_of(list_type: str) -> ListRules | None:
    return GOVERNED.get(list_type)

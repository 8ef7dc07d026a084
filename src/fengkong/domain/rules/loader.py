"""Load rule files (YAML) into a RuleSet, or a list of located errors. All or nothing: a file
with an error refuses the whole load, so the rules already active stay active."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from fengkong.domain.currency import CurrencyError, parse_rates
from fengkong.domain.decisions import Outcome
from fengkong.domain.events import MONEY_DIRECTIONS, AuthFactor, Channel, EventType, TxnType
from fengkong.domain.factors import CHANNELS
from fengkong.domain.features.featureset import FeatureSet
from fengkong.domain.features.lookups import LOOKUPS
from fengkong.domain.features.reducers import REDUCERS
from fengkong.domain.features.spec import ENTITY_FIELDS, SAME_THINGS, FeatureSpec
from fengkong.domain.features.windows import WindowError, parse_duration, parse_window
from fengkong.domain.lists.types import LIST_TYPES
from fengkong.domain.rules.compiler import (
    EVENT_FIELD_TYPES,
    Scope,
    compile_expression,
    event_types_admitted,
    values_admitted,
)
from fengkong.domain.rules.errors import ExpressionError, RuleError, RuleSetError
from fengkong.domain.rules.functions import BOOL, LIST, NUMBER
from fengkong.domain.rules.parser import parse_expression
from fengkong.domain.rules.ruleset import Rule, RuleSet, Template, format_value
from fengkong.domain.sharing.entities import SHARED_ENTITIES
from fengkong.domain.sharing.report import RISK_TYPE as _RISK_OR_ANY

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
_FEATURE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DURATION_TEXT = re.compile(r"^\d+[smhdw]$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_MODES = ("active", "shadow", "disabled")
DEFAULT_LATENESS_S = 3600


class _Fail(Exception):
    def __init__(self, node: yaml.Node | None, message: str, offset: int | None = None):
        super().__init__(message)
        self.node = node
        self.message = message
        self.offset = offset


@dataclass
class _Source:
    path: str
    text: str

    def locate(self, node: yaml.Node | None, offset: int | None) -> tuple[int, int]:
        if node is None:
            return 1, 1
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if offset is None or not isinstance(node, yaml.ScalarNode):
            return line, col
        style = node.style
        if style in ('"', "'"):
            return line, col + 1 + offset
        segment = self.text[node.start_mark.index : node.end_mark.index]
        lines = segment.split("\n")
        if style in ("|", ">"):
            lines, line = lines[1:], line + 1
            first_indent = None
        else:
            first_indent = node.start_mark.column
        remaining = offset
        for i, raw in enumerate(lines):
            stripped = raw.lstrip()
            indent = first_indent if (i == 0 and first_indent is not None) else len(raw) - len(stripped)
            if remaining <= len(stripped) or i == len(lines) - 1:
                return line + i, indent + 1 + remaining
            remaining -= len(stripped) + 1
        return line, col


def _mapping(node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _Fail(node, f"{what} must be a mapping")
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = str(key.value)
        if name in out:
            raise _Fail(key, f"duplicate key {name!r} in {what}")
        out[name] = (key, value)
    return out


def _plain(node: yaml.Node) -> Any:
    """A YAML node as plain data; floats become exact Decimals, duration strings seconds."""
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): _plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    tag, text = node.tag, str(node.value)
    if tag.endswith(":int"):
        return (
            int(text.replace("_", ""), 0)
            if not text.lstrip("-+").startswith("0") or text in ("0", "-0", "+0")
            else int(text.replace("_", ""))
        )
    if tag.endswith(":float"):
        return Decimal(text.replace("_", ""))
    if tag.endswith(":bool"):
        return text.lower() in ("true", "yes", "on")
    if tag.endswith(":null"):
        return None
    return text


def _param(node: yaml.Node) -> Any:
    value = _plain(node)
    if isinstance(value, str) and _DURATION_TEXT.match(value):
        return parse_duration(value)
    if isinstance(value, list):
        return frozenset(value) if all(isinstance(v, str | int) for v in value) else tuple(value)
    if isinstance(value, dict):
        raise _Fail(node, "a parameter must be a number, string, boolean, duration or list")
    return value


def _text(node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _Fail(node, f"{what} must be a non-empty string")
    return str(node.value)


def _bilingual(node: yaml.Node, what: str) -> tuple[str, str]:
    fields = _mapping(node, what)
    for lang in ("zh", "en"):
        if lang not in fields:
            raise _Fail(node, f"{what} needs both zh and en")
    return _text(fields["zh"][1], f"{what}.zh"), _text(fields["en"][1], f"{what}.en")


def _string_list(node: yaml.Node, what: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    items = [node] if isinstance(node, yaml.ScalarNode) else node.value if isinstance(node, yaml.SequenceNode) else None
    if items is None:
        raise _Fail(node, f"{what} must be a list of names")
    out = []
    for item in items:
        value = _text(item, what)
        if allowed is not None and value not in allowed:
            raise _Fail(item, f"{value!r} is not one of {', '.join(allowed)}")
        out.append(value)
    return tuple(out)


def _compile(node: yaml.Node, scope: Scope, expect: str) -> tuple[Any, str]:
    text = _text(node, "expression")
    try:
        return compile_expression(text.strip(), scope, expect), text
    except ExpressionError as exc:
        lead = len(text) - len(text.lstrip())
        raise _Fail(node, exc.message, exc.pos + lead) from None


def _template(node: yaml.Node, text: str, scope: Scope) -> Template:
    parts: list[Any] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[last : match.start()])
        try:
            parts.append(compile_expression(match.group(1).strip(), scope).fn)
        except ExpressionError as exc:
            raise _Fail(node, f"in message placeholder: {exc.message}", match.start(1) + exc.pos) from None
        last = match.end()
    parts.append(text[last:])
    if len(parts) == 1:
        return lambda e, f: text

    def render(event: Any, features: Mapping[str, Any]) -> str:
        out = []
        for part in parts:
            out.append(part if isinstance(part, str) else format_value(part(event, features, None)))
        return "".join(out)

    return render


@dataclass(frozen=True)
class Policy:
    """Regulatory numbers as data: a named, versioned set of values rules read as policy.<name>."""

    name: str
    version: str
    values: dict[str, Any]
    text: str = ""
    fx_rates: dict[str, Decimal] = field(default_factory=dict)  # yuan per unit of each currency


EMPTY_POLICY = Policy("none", "0", {})


# Policy values the platform reads itself (not only rules): a bad one is refused when the policy
# loads, naming it, instead of failing a feedback event's commit later.
_COUNTS = ("cpc_min_reports", "cpc_exposure_days", "cpc_margin_days")
_LABEL_LISTS = ("fraud_labels", "takeover_labels", "counterfeit_labels")


def _check_read_by_code(name: str, value: Any, node: yaml.Node) -> None:
    if name in _COUNTS and (
        isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "cpc_min_reports" else 0)
    ):
        raise _Fail(
            node, f"policy value {name!r} must be a whole number of {'cards' if name == 'cpc_min_reports' else 'days'}"
        )
    if name in _LABEL_LISTS and (
        isinstance(value, str)
        or not isinstance(value, (list, tuple, frozenset))
        or not all(isinstance(v, str) for v in value)
    ):
        raise _Fail(node, f"policy value {name!r} must be a list of label names")


def load_policy(path: str, text: str) -> Policy:
    source = _Source(path, text)
    try:
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise RuleSetError(
            [
                RuleError(
                    path, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, f"YAML: {exc.problem or exc}"
                )
            ]
        ) from None
    try:
        if root is None:
            raise _Fail(None, "the policy file is empty")
        top = _mapping(root, "a policy file")
        for key in ("policy", "version", "values"):
            if key not in top:
                raise _Fail(root, f"a policy file needs {key!r}")
        unknown = set(top) - {"policy", "version", "values", "effective_from", "sources", "fx_rates", "fx_rates_as_of"}
        if unknown:
            raise _Fail(top[sorted(unknown)[0]][0], f"unknown policy key {sorted(unknown)[0]!r}")
        values = {}
        for name, (knode, vnode) in _mapping(top["values"][1], "values").items():
            if not _FEATURE_NAME.match(name):
                raise _Fail(knode, "policy value names are lower_case_with_underscores")
            values[name] = _param(vnode)
            _check_read_by_code(name, values[name], vnode)
        rates: dict[str, Decimal] = {}
        if "fx_rates" in top:
            for code, (knode, vnode) in _mapping(top["fx_rates"][1], "fx_rates").items():
                try:
                    rates.update(parse_rates({code: _plain(vnode)}))
                except CurrencyError as exc:
                    raise _Fail(knode, str(exc)) from None
        return Policy(_text(top["policy"][1], "policy"), _text(top["version"][1], "version"), values, text, rates)
    except _Fail as fail:
        raise RuleSetError([RuleError(path, *source.locate(fail.node, fail.offset), fail.message)]) from None


class RuleLoader:
    """Compiles rule files (YAML text handed to it, with their names) under a policy."""

    def __init__(self, lateness_s: int = DEFAULT_LATENESS_S, policy: Policy = EMPTY_POLICY):
        self.lateness_s = lateness_s
        self.policy = policy

    def load_texts(self, sources: list[tuple[str, str]]) -> RuleSet:
        errors: list[RuleError] = []
        documents: list[tuple[_Source, dict[str, tuple[yaml.Node, yaml.Node]], dict[str, Any]]] = []
        for path, text in sources:
            source = _Source(path, text)
            try:
                root = yaml.compose(text)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                errors.append(RuleError(path, line, col, f"YAML: {exc.problem or exc}"))
                continue
            if root is None:
                continue
            try:
                top = _mapping(root, "a rule file")
                unknown = set(top) - {"params", "features", "rules", "description"}
                if unknown:
                    name = sorted(unknown)[0]
                    raise _Fail(top[name][0], f"unknown section {name!r} (expected params, features, rules)")
                params = (
                    {k: _param(v) for k, (_, v) in _mapping(top["params"][1], "params").items()}
                    if "params" in top
                    else {}
                )
                documents.append((source, top, params))
            except _Fail as fail:
                errors.append(RuleError(path, *source.locate(fail.node, fail.offset), fail.message))
        specs: list[FeatureSpec] = []
        for source, top, params in documents:
            if "features" in top:
                specs.extend(self._features(source, top["features"][1], params, errors))
        seen_features: dict[str, FeatureSpec] = {}
        for spec in specs:
            if spec.name in seen_features:
                errors.append(RuleError("", 1, 1, f"feature {spec.name!r} is defined twice"))
            seen_features[spec.name] = spec
        for spec in specs:  # a visit look-up reads a distinct feature of its own entity
            visited = seen_features.get(spec.of or "") if spec.aggregate == "listed_visit" else None
            if spec.aggregate == "listed_visit" and (
                visited is None or visited.aggregate != "distinct" or visited.entity != spec.entity
            ):
                errors.append(
                    RuleError("", 1, 1, f"feature {spec.name!r}: 'of' must name a distinct feature of its entity")
                )
        feature_types = {s.name: "any" if s.reducer is None else s.reducer.result_type for s in specs}
        rules: list[Rule] = []
        for source, top, params in documents:
            if "rules" in top:
                rules.extend(self._rules(source, top["rules"][1], params, feature_types, errors))
        seen_rules: set[str] = set()
        for rule in rules:
            if rule.id in seen_rules:
                errors.append(
                    RuleError(
                        rule.source.split(":")[0],
                        int(rule.source.split(":")[1]),
                        1,
                        f"rule id {rule.id!r} is used twice",
                    )
                )
            seen_rules.add(rule.id)
        if errors:
            raise RuleSetError(errors)
        digest = hashlib.sha256()
        for path, text in sources:
            name = path.replace("\\", "/").rsplit("/", 1)[-1]
            digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        digest.update(b"policy\0" + self.policy.text.encode())
        return RuleSet(
            rules=tuple(rules),
            features=FeatureSet(specs),
            version=digest.hexdigest()[:12],
            files=tuple(path for path, _ in sources),
            policy_version=f"{self.policy.name}@{self.policy.version}",
            policy_values=dict(self.policy.values),
            fx_rates=dict(self.policy.fx_rates),
        )

    def _features(
        self, source: _Source, node: yaml.Node, params: dict[str, Any], errors: list[RuleError]
    ) -> list[FeatureSpec]:
        if not isinstance(node, yaml.SequenceNode):
            errors.append(RuleError(source.path, *source.locate(node, None), "features must be a list"))
            return []
        out = []
        for item in node.value:
            try:
                out.append(self._feature(item, params))
            except _Fail as fail:
                errors.append(RuleError(source.path, *source.locate(fail.node, fail.offset), fail.message))
        return out

    def _feature(self, node: yaml.Node, params: dict[str, Any]) -> FeatureSpec:
        fields = _mapping(node, "a feature")
        allowed = {
            "name",
            "entity",
            "aggregate",
            "of",
            "window",
            "resolution",
            "where",
            "max_distinct",
            "description",
            "reversible",
            "source",
            "labelled",
            "keyed_by",
        }
        for key, (knode, _) in fields.items():
            if key not in allowed:
                raise _Fail(knode, f"unknown feature key {key!r}; expected one of {', '.join(sorted(allowed))}")
        for key in ("name", "entity", "aggregate"):
            if key not in fields:
                raise _Fail(node, f"a feature needs {key!r}")
        if "window" not in fields and _text(fields["aggregate"][1], "aggregate") not in LOOKUPS:
            raise _Fail(node, "a feature needs 'window'")
        name = _text(fields["name"][1], "name")
        if not _FEATURE_NAME.match(name):
            raise _Fail(fields["name"][1], "feature names are lower_case_with_underscores")
        entity = _string_list(fields["entity"][1], "entity", tuple(ENTITY_FIELDS))
        aggregate = _text(fields["aggregate"][1], "aggregate")
        if aggregate in LOOKUPS:
            return self._lookup(node, fields, name, entity, aggregate)
        if aggregate not in REDUCERS:
            raise _Fail(
                fields["aggregate"][1], f"unknown aggregate {aggregate!r}; one of {', '.join([*REDUCERS, *LOOKUPS])}"
            )
        reducer_cls = REDUCERS[aggregate]
        of = _text(fields["of"][1], "of") if "of" in fields else None
        if reducer_cls.needs_value and of is None:
            raise _Fail(node, f"aggregate {aggregate!r} needs 'of': the event field to aggregate")
        if of is not None and of not in EVENT_FIELD_TYPES:
            raise _Fail(fields["of"][1], f"unknown event field {of!r}")
        if reducer_cls.numeric and of is not None and EVENT_FIELD_TYPES[of] != NUMBER:
            raise _Fail(
                fields["of"][1], f"aggregate {aggregate!r} needs a numeric field, {of!r} is a {EVENT_FIELD_TYPES[of]}"
            )
        try:
            resolution = _text(fields["resolution"][1], "resolution") if "resolution" in fields else None
            window = parse_window(_text(fields["window"][1], "window"), resolution)
        except WindowError as exc:
            raise _Fail(fields["window"][1], str(exc)) from None
        max_distinct = int(_plain(fields["max_distinct"][1])) if "max_distinct" in fields else 1000
        reversible = bool(_plain(fields["reversible"][1])) if "reversible" in fields else False
        if reversible and aggregate not in ("count", "sum"):
            raise _Fail(fields["reversible"][1], "only count and sum features can give a reversed event back")
        where = None
        where_text = ""
        event_types = txn_types = None
        if "where" in fields:
            typed, where_text = _compile(
                fields["where"][1], Scope(params=params, policy=self.policy.values, allow_decision=True), BOOL
            )
            fn = typed.fn
            where = lambda event, decision, fn=fn: bool(fn(event, {}, decision))  # noqa: E731
            parsed = parse_expression(where_text.strip())
            event_types = event_types_admitted(parsed)
            txn_types = values_admitted(parsed, ("event", "txn_type"))
        labelled = self._labelled(node, fields, entity, event_types)
        keyed_by = self._keyed_by(fields, entity, labelled)
        return FeatureSpec(
            name=name,
            entity=entity,
            aggregate=aggregate,
            window=window,
            labelled=labelled,
            keyed_by=keyed_by,
            reducer=reducer_cls(window, self.lateness_s, max_distinct),
            of=of,
            where=where,
            where_text=where_text.strip(),
            description=str(_plain(fields["description"][1])) if "description" in fields else "",
            event_types=event_types,
            txn_types=txn_types,
            reversible=reversible,
        )

    @staticmethod
    def _labelled(
        node: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        entity: tuple[str, ...],
        event_types: frozenset[str] | None,
    ) -> str | None:
        """`labelled: true` (the same entity of the labelled event) or `labelled: <entity>` (e.g.
        an account feature counting the labels on payments made to it: `labelled: counterparty`)."""
        if "labelled" not in fields:
            return None
        value = _plain(fields["labelled"][1])
        if value is False:
            return None
        if len(entity) != 1:
            raise _Fail(fields["labelled"][1], "a feature that follows labels keys one entity")
        labelled = entity[0] if value is True else str(value)
        if labelled not in ENTITY_FIELDS:
            raise _Fail(fields["labelled"][1], f"labelled: true or an entity, one of {', '.join(ENTITY_FIELDS)}")
        if event_types is None or event_types - {"feedback"}:
            raise _Fail(
                node, 'a feature that follows labels counts feedback events: its where needs event.type == "feedback"'
            )
        return labelled

    @staticmethod
    def _keyed_by(
        fields: dict[str, tuple[yaml.Node, yaml.Node]], entity: tuple[str, ...], labelled: str | None
    ) -> str | None:
        """`keyed_by: counterparty` on an account feature: counted on the payments made to the
        account, read when the account pays (and the reverse). Only fields that name the same
        kind of thing may key each other."""
        if "keyed_by" not in fields:
            return None
        at = fields["keyed_by"][1]
        value = str(_plain(at))
        if labelled is not None:
            raise _Fail(at, "a feature that follows labels is keyed by the labelled event (labelled: <entity>)")
        if len(entity) != 1:
            raise _Fail(at, "keyed_by needs a feature of one entity")
        same = SAME_THINGS.get(entity[0], frozenset())
        if value not in same:
            hint = f"one of {', '.join(sorted(same))}" if same else "no other field names the same thing"
            raise _Fail(at, f"a {entity[0]} feature cannot be keyed by {value!r}: {hint}")
        return value

    def _lookup(
        self,
        node: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        name: str,
        entity: tuple[str, ...],
        aggregate: str,
    ) -> FeatureSpec:
        """A feature found at decision time: a reference record's field or a list entry."""
        source = _text(fields["source"][1], "source") if "source" in fields else None
        of = _text(fields["of"][1], "of") if "of" in fields else None
        if aggregate in ("listed", "listed_visit", "listed_linked") and source not in LIST_TYPES:
            raise _Fail(
                fields["source"][1] if "source" in fields else node,
                f"a listed feature needs 'source': one of {', '.join(LIST_TYPES)}",
            )
        if aggregate == "listed_visit" and of is None:
            raise _Fail(node, "a listed_visit feature needs 'of': a distinct feature of the ids its entity visited")
        if aggregate == "listed_linked" and (of is None or "." not in of):
            raise _Fail(node, "a listed_linked feature needs 'of': <record kind>.<field> naming the related ids")
        if aggregate == "reference" and (source is None or of is None):
            raise _Fail(node, "a reference feature needs 'source' (the record kind) and 'of' (its field)")
        if aggregate == "shared" and (entity[0] not in SHARED_ENTITIES or not _RISK_OR_ANY.match(source or "")):
            raise _Fail(
                node,
                f"a shared feature looks up a shared entity ({', '.join(SHARED_ENTITIES)}) by 'source': "
                "a risk type such as cash_out, or any",
            )
        if aggregate == "shared_registered" and (of is None or not _RISK_OR_ANY.match(source or "")):
            raise _Fail(
                node,
                "a shared_registered feature needs 'of': the record kind holding the consortium hashes "
                "(e.g. merchant), and 'source': a risk type such as cash_out, or any",
            )
        if len(entity) != 1:
            raise _Fail(
                fields["entity"][1],
                "a listed feature looks up one entity"
                if aggregate == "listed"
                else "a reference feature reads one entity's record",
            )
        return FeatureSpec(
            name=name,
            entity=entity,
            aggregate=aggregate,
            window=parse_window("lifetime"),
            reducer=None,
            of=of if aggregate in ("reference", "listed_visit", "listed_linked", "shared_registered") else None,
            source=source,
            description=str(_plain(fields["description"][1])) if "description" in fields else "",
        )

    def _rules(
        self,
        source: _Source,
        node: yaml.Node,
        params: dict[str, Any],
        feature_types: dict[str, str],
        errors: list[RuleError],
    ) -> list[Rule]:
        if not isinstance(node, yaml.SequenceNode):
            errors.append(RuleError(source.path, *source.locate(node, None), "rules must be a list"))
            return []
        out = []
        for item in node.value:
            try:
                out.append(self._rule(source, item, params, feature_types))
            except _Fail as fail:
                errors.append(RuleError(source.path, *source.locate(fail.node, fail.offset), fail.message))
        return out

    def _rule(
        self, source: _Source, node: yaml.Node, file_params: dict[str, Any], feature_types: dict[str, str]
    ) -> Rule:
        fields = _mapping(node, "a rule")
        allowed = {"id", "version", "description", "applies_to", "when", "outcome", "mode", "params"}
        for key, (knode, _) in fields.items():
            if key not in allowed:
                raise _Fail(knode, f"unknown rule key {key!r}; expected one of {', '.join(sorted(allowed))}")
        for key in ("id", "description", "when", "outcome"):
            if key not in fields:
                raise _Fail(node, f"a rule needs {key!r}")
        rule_id = _text(fields["id"][1], "id")
        if not _RULE_ID.match(rule_id):
            raise _Fail(fields["id"][1], "rule ids use letters, digits, '.', '_' and '-'")
        version = _plain(fields["version"][1]) if "version" in fields else 1
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise _Fail(fields["version"][1], "version must be a positive integer")
        desc_zh, desc_en = _bilingual(fields["description"][1], "description")
        params = dict(file_params)
        if "params" in fields:
            params.update({k: _param(v) for k, (_, v) in _mapping(fields["params"][1], "params").items()})
        scope = Scope(features=feature_types, params=params, policy=self.policy.values)
        event_types: tuple[str, ...] = tuple(t.value for t in EventType)
        channels = txn_types = money = None
        if "applies_to" in fields:
            applies = _mapping(fields["applies_to"][1], "applies_to")
            for key, (knode, _) in applies.items():
                if key not in ("event_types", "channels", "txn_types", "money"):
                    raise _Fail(
                        knode, f"unknown applies_to key {key!r}; expected event_types, channels, txn_types, money"
                    )
            if "money" in applies:
                direction = _plain(applies["money"][1])
                if direction not in MONEY_DIRECTIONS:
                    raise _Fail(applies["money"][1], "money is out (money leaving the customer) or in (coming back)")
                money = MONEY_DIRECTIONS[direction]
            if "event_types" in applies:
                event_types = _string_list(applies["event_types"][1], "event_types", tuple(t.value for t in EventType))
            if "channels" in applies:
                channels = frozenset(_string_list(applies["channels"][1], "channels", tuple(c.value for c in Channel)))
            if "txn_types" in applies:
                txn_types = frozenset(
                    _string_list(applies["txn_types"][1], "txn_types", tuple(t.value for t in TxnType))
                )
        condition, condition_text = _compile(fields["when"][1], scope, BOOL)
        outcome_fields = _mapping(fields["outcome"][1], "outcome")
        for key, (knode, _) in outcome_fields.items():
            if key not in ("decision", "score", "reason", "message", "required_factors", "distrust"):
                raise _Fail(knode, f"unknown outcome key {key!r}")
        for key in ("decision", "reason"):
            if key not in outcome_fields:
                raise _Fail(fields["outcome"][1], f"an outcome needs {key!r}")
        decision_text = _text(outcome_fields["decision"][1], "decision")
        if decision_text not in {o.value for o in Outcome}:
            raise _Fail(outcome_fields["decision"][1], f"decision must be one of {', '.join(o.value for o in Outcome)}")
        reason = _text(outcome_fields["reason"][1], "reason")
        if not _CODE.match(reason):
            raise _Fail(outcome_fields["reason"][1], "reason codes are UPPER_CASE_WITH_UNDERSCORES")
        if "score" in outcome_fields:
            score_node = outcome_fields["score"][1]
            score_value = _plain(score_node)
            if isinstance(score_value, int | Decimal) and not isinstance(score_value, bool):
                if not 0 <= score_value <= 100:
                    raise _Fail(score_node, "score must be between 0 and 100")
                constant = float(score_value)
                score = lambda e, f, d, c=constant: c  # noqa: E731
            else:
                score = _compile(score_node, scope, NUMBER)[0].fn
        else:
            default = {Outcome.APPROVE: 0.0, Outcome.STEP_UP: 50.0, Outcome.REVIEW: 60.0}.get(
                Outcome(decision_text), 80.0
            )
            score = lambda e, f, d, c=default: c  # noqa: E731
        if "message" in outcome_fields:
            msg_zh, msg_en = _bilingual(outcome_fields["message"][1], "message")
            message_node = outcome_fields["message"][1]
        else:
            msg_zh, msg_en, message_node = desc_zh, desc_en, fields["description"][1]
        factors: tuple[str, ...] | Any = ()
        if "required_factors" in outcome_fields:
            factors_node = outcome_fields["required_factors"][1]
            if isinstance(factors_node, yaml.ScalarNode) and factors_node.value not in {f.value for f in AuthFactor}:
                factors = _compile(factors_node, scope, LIST)[0].fn  # computed per event
            else:
                factors = _string_list(factors_node, "required_factors", tuple(f.value for f in AuthFactor))
        distrust: frozenset[str] = frozenset()
        if "distrust" in outcome_fields:
            distrust = frozenset(_string_list(outcome_fields["distrust"][1], "distrust", CHANNELS))
        mode = _text(fields["mode"][1], "mode") if "mode" in fields else "active"
        if mode not in _MODES:
            raise _Fail(fields["mode"][1], f"mode must be one of {', '.join(_MODES)}")
        return Rule(
            id=rule_id,
            version=version,
            description_zh=desc_zh,
            description_en=desc_en,
            event_types=frozenset(event_types),
            channels=channels,
            txn_types=txn_types,
            money=money,
            condition=condition.fn,
            condition_text=condition_text.strip(),
            outcome=Outcome(decision_text),
            score=score,
            reason_code=reason,
            message_zh=_template(message_node, msg_zh, scope),
            message_en=_template(message_node, msg_en, scope),
            required_factors=factors,
            distrust=distrust,
            mode=mode,
            features_used=frozenset(scope.used_features),
            source=f"{source.path}:{node.start_mark.line + 1}",
        )

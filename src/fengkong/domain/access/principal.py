"""The authenticated caller. Every action names its principal as the actor: a person by user
name, an institution's system by its key, a person of the bank's identity provider by `sso:`."""

from __future__ import annotations

from dataclasses import dataclass, field

from fengkong.domain.access.roles import Permission, permissions_of


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # the actor written to the audit log and compared for maker != checker
    kind: str  # "key", "user" or "sso"
    roles: frozenset[str]
    institution: str
    credential: str = ""  # key id or session id: which credential was used
    must_change_password: bool = False
    permissions: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_of(self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions and not self.must_change_password

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "roles": sorted(self.roles),
            "institution": self.institution,
            "must_change_password": self.must_change_password,
            "permissions": sorted(self.permissions),
        }

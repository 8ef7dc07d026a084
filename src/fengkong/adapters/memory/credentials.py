"""API keys, users and sessions in memory."""

from __future__ import annotations

from fengkong.adapters.memory.unit_of_work import MemoryUnitOfWork
from fengkong.domain.access.credentials import ApiKey, Session, User


class MemoryCredentialStore:
    """CredentialStore in memory."""

    def __init__(self, uow: MemoryUnitOfWork):
        self._uow = uow
        self._keys: dict[str, ApiKey] = {}
        self._users: dict[str, User] = {}
        self._sessions: dict[str, Session] = {}
        self._stamp = 0

    def _put(self, table: dict[str, object], key: str, value: object) -> None:
        with self._uow.atomic():
            previous = table.get(key)
            table[key] = value
            self._stamp += 1
            self._uow.journal(lambda: table.__setitem__(key, previous) if previous is not None else table.pop(key))
            self._uow.journal(self._unstamp)

    def put_key(self, key: ApiKey) -> None:
        self._put(self._keys, key.key_id, key)  # type: ignore[arg-type]

    def get_key(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def keys(self) -> list[ApiKey]:
        with self._uow.reading():
            return sorted(self._keys.values(), key=lambda k: k.created_at)

    def put_user(self, user: User) -> None:
        self._put(self._users, user.username, user)  # type: ignore[arg-type]

    def get_user(self, username: str) -> User | None:
        return self._users.get(username)

    def users(self) -> list[User]:
        with self._uow.reading():
            return sorted(self._users.values(), key=lambda u: u.username)

    def put_session(self, session: Session) -> None:
        self._put(self._sessions, session.session_id, session)  # type: ignore[arg-type]

    def get_session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def stamp(self) -> int:
        return self._stamp

    def _unstamp(self) -> None:
        self._stamp -= 1

"""Account takeover and probing stretched out, and the honest people who look like them
(issue 13, parts 4 and 7). Every parameter is drawn per run from the world's seed.

Attacks:
- slow_credential_stuffing: one IP tries many usernames over hours; the accounts it gets into
  are emptied to new payees.
- account_brute_force: one customer's password guessed over hours from changing IPs.
- device_farm: phished accounts of several customers run from one device over days.
- stretched_card_testing: stolen card numbers tested with tiny payments, used days later.
- takeover_after_reset: a payment password changed without SMS (the attacker knows the login
  password), then money to a new payee.

Look-alikes:
- forgot_password: a customer resets a password and pays their usual payees.
- shared_tablet: two or three people of one family on one device.
- office_network: colleagues logging in and paying through one office IP.
- traveller (world.py): a customer paying while away.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from fengkong.simulate.customer import Customer
from fengkong.simulate.mules import World, take

CNP = ("quick_pay", "mobile_banking", "online_banking")


def _when(w: World, rng: random.Random, first_day: int) -> datetime:
    return w.start + timedelta(days=rng.randrange(first_day, max(first_day + 1, w.days - 2)), hours=rng.uniform(0, 24))


def _cash_out(
    w: World, rng: random.Random, victim: Customer, after: datetime, device: str, ip: str, scenario: str, tag: str
) -> None:
    """What an attacker in an account does: one to three transfers to payees of their own."""
    t = after
    for j in range(rng.randint(1, 3)):
        t += timedelta(minutes=rng.uniform(2, 90))
        w.txn(
            victim,
            t,
            rng.uniform(1500, 15000),
            channel=rng.choice(CNP[1:]),
            txn_type="transfer",
            counterparty_account_id=f"mule-{tag}-{j}",
            device_id=device,
            ip=ip,
            auth_factors=["password"],
            scenario=scenario,
            rng=rng,
        )


def slow_stuffing(
    w: World, pool: list[Customer], everyone: list[Customer], scale: int, late: int, rng: random.Random
) -> None:
    for wave in range(scale):
        ip = f"91.{rng.randrange(256)}.{rng.randrange(256)}.{wave % 256}"
        start, hours = _when(w, rng, late), rng.uniform(6, 40)
        tries = rng.randint(40, 150)
        victims = take(pool, rng.randint(2, 5))
        hits = set(rng.sample(range(tries), len(victims)))
        queue = list(victims)
        for i in range(tries):
            t = start + timedelta(hours=hours * i / tries)
            if i in hits:
                victim = queue.pop()
                device = f"atk-dev-slow-{wave}-{i}"
                w.login(victim, t, device=device, ip=ip, scenario="slow_credential_stuffing")
                _cash_out(w, rng, victim, t, device, ip, "slow_credential_stuffing", f"slow-{wave}-{i}")
            else:
                target = rng.choice(everyone)
                w.login(
                    target,
                    t,
                    success=False,
                    device=f"atk-dev-slow-{wave}-{i % 5}",
                    ip=ip,
                    username=f"u{rng.randrange(10**7)}",
                    scenario="slow_credential_stuffing",
                )


def brute_force(w: World, pool: list[Customer], scale: int, late: int, rng: random.Random) -> None:
    for k, victim in enumerate(take(pool, 3 * scale)):
        start, hours = _when(w, rng, late), rng.uniform(1, 20)
        guesses = rng.randint(6, 15)
        device = f"atk-dev-brute-{k}"
        for i in range(guesses):
            ip = f"103.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"  # a new IP each time
            t = start + timedelta(hours=hours * i / guesses)
            w.login(victim, t, success=False, device=device, ip=ip, scenario="account_brute_force")
        t = start + timedelta(hours=hours + rng.uniform(0.1, 2))
        ip = f"103.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        w.login(victim, t, device=device, ip=ip, scenario="account_brute_force")
        _cash_out(w, rng, victim, t, device, ip, "account_brute_force", f"brute-{k}")


def device_farm(w: World, pool: list[Customer], scale: int, late: int, rng: random.Random) -> None:
    for farm in range(scale):
        device = f"atk-dev-farm-{farm}"
        start = _when(w, rng, late)
        for j, victim in enumerate(take(pool, rng.randint(4, 9))):
            t = start + timedelta(hours=rng.uniform(0, 24 * rng.uniform(1, 5)))
            ip = f"120.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            w.login(victim, t, device=device, ip=ip, scenario="device_farm")
            _cash_out(w, rng, victim, t, device, ip, "device_farm", f"farm-{farm}-{j}")


def _online(
    w: World, rng: random.Random, victim: Customer, when: datetime, amount: float, device: str, ip: str
) -> None:
    """A card-not-present payment with a stolen card number, from the tester's device."""
    w.txn(
        victim,
        when,
        amount,
        channel="quick_pay",
        entry_mode="ecommerce",
        device_id=device,
        ip=ip,
        scenario="stretched_card_testing",
        rng=rng,
    )


def stretched_card_testing(w: World, pool: list[Customer], scale: int, late: int, rng: random.Random) -> None:
    for ring in range(scale):
        device, ip = f"atk-dev-probe-{ring}", f"45.{rng.randrange(256)}.{rng.randrange(256)}.7"
        start = _when(w, rng, late)
        for victim in take(pool, rng.randint(3, 8)):
            for _ in range(rng.randint(1, 3)):  # tests over days
                tested = start + timedelta(hours=rng.uniform(0, 24 * rng.uniform(1, 5)))
                _online(w, rng, victim, tested, round(rng.uniform(0.5, 9.9), 2), device, ip)
            later = start + timedelta(days=rng.uniform(2, 6), hours=rng.uniform(0, 24))
            if later < w.start + timedelta(days=w.days):
                for _ in range(rng.randint(1, 2)):  # the cards that worked, used days later
                    later += timedelta(minutes=rng.uniform(3, 60))
                    _online(w, rng, victim, later, rng.uniform(1500, 6000), device, ip)


def takeover_after_reset(w: World, pool: list[Customer], scale: int, late: int, rng: random.Random) -> None:
    for k, victim in enumerate(take(pool, 3 * scale)):
        t = _when(w, rng, late)
        device, ip = f"atk-dev-reset-{k}", f"58.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        w.login(victim, t, device=device, ip=ip, scenario="takeover_after_reset")
        w.emit(
            t + timedelta(minutes=rng.uniform(1, 10)),
            {
                "type": "profile_change",
                "customer_id": victim.cid,
                "field": rng.choice(["payment_password", "login_password"]),
                "via": rng.choice(["password", "app"]),
                "device_id": device,
                "ip": ip,
            },
            "takeover_after_reset",
        )
        _cash_out(
            w,
            rng,
            victim,
            t + timedelta(minutes=rng.uniform(10, 600)),
            device,
            ip,
            "takeover_after_reset",
            f"reset-{k}",
        )


def forgot_password(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    for c in take(pool, 20 * scale):
        payee = rng.choice(c.payees)
        habit = w.start - timedelta(days=rng.uniform(8, 60))  # the payee they always pay
        w.login(c, habit.replace(hour=12) - timedelta(seconds=40), lookalike="forgot_password")
        w.txn(
            c,
            habit.replace(hour=12),
            c.level * 3,
            channel="mobile_banking",
            txn_type="transfer",
            counterparty_account_id=payee,
            rng=rng,
            context=True,  # history before the month: not measured
        )
        t = _when(w, rng, 1).replace(hour=rng.randint(8, 21))
        w.emit(
            t,
            {
                "type": "profile_change",
                "customer_id": c.cid,
                "field": "login_password",
                "via": rng.choice(["sms_otp", "sms_otp", "counter", "app"]),
                "device_id": c.device,
                "ip": c.ip,
                "phone": c.phone,
            },
            lookalike="forgot_password",
        )
        t += timedelta(minutes=rng.uniform(5, 20 * 60))
        if not 8 <= t.hour < 22:  # paid when they are up, as they always do
            t = t.replace(hour=rng.randint(8, 21))
        w.login(c, t - timedelta(seconds=40), lookalike="forgot_password")
        w.txn(
            c,
            t,
            rng.lognormvariate(0, 0.6) * c.level * 3,
            channel="mobile_banking",
            txn_type="transfer",
            counterparty_account_id=payee,
            lookalike="forgot_password",
            rng=rng,
        )


def _log_in_and_pay(
    w: World,
    rng: random.Random,
    c: Customer,
    t: datetime,
    family: str,
    device: str | None = None,
    ip: str | None = None,
) -> None:
    """An everyday payment of a look-alike, after a login from where it is made."""
    w.login(c, t - timedelta(seconds=40), device=device, ip=ip, lookalike=family)
    where: dict[str, Any] = {"device_id": device} if device else {"ip": ip} if ip else {}
    w.txn(c, t, rng.lognormvariate(0, 0.6) * c.level, channel="quick_pay", lookalike=family, rng=rng, **where)


def shared_tablet(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    for k in range(5 * scale):
        family = take(pool, rng.randint(2, 3))
        tablet = f"dev-tablet-{k}"
        for c in family:  # each one's phone and the family's tablet, since long before the month
            w.login(c, w.start - timedelta(days=rng.uniform(201, 300)), lookalike="shared_tablet")
            w.login(
                c,
                w.start - timedelta(days=rng.uniform(30, 200), hours=rng.uniform(0, 12)),
                device=tablet,
                lookalike="shared_tablet",
            )
            for _ in range(rng.randint(2, 6)):
                t = _when(w, rng, 1).replace(hour=rng.randint(8, 22))
                _log_in_and_pay(w, rng, c, t, "shared_tablet", device=tablet)


def office_network(w: World, pool: list[Customer], scale: int, rng: random.Random) -> None:
    for k in range(scale):
        ip = f"61.{rng.randrange(256)}.{rng.randrange(256)}.{k % 256}"
        staff = take(pool, rng.randint(25, 60))
        for _ in range(rng.randint(3, 8)):  # working days
            day = _when(w, rng, 1).replace(hour=9)
            for c in staff:
                if rng.random() < 0.5:
                    continue
                t = day + timedelta(hours=rng.uniform(0, 9))
                if rng.random() < 0.05:  # a typo
                    w.login(c, t - timedelta(seconds=70), success=False, ip=ip, lookalike="office_network")
                _log_in_and_pay(w, rng, c, t, "office_network", ip=ip)


def plan(w: World, pool: list[Customer], everyone: list[Customer], scale: int, late: int, seed: int) -> None:
    """These families from their own random stream (the rest of the world repeats per seed)."""
    rng = random.Random(f"takeover:{seed}")
    slow_stuffing(w, pool, everyone, scale, late, rng)
    brute_force(w, pool, scale, late, rng)
    device_farm(w, pool, scale, late, rng)
    stretched_card_testing(w, pool, scale, late, rng)
    takeover_after_reset(w, pool, scale, late, rng)
    forgot_password(w, pool, scale, rng)
    shared_tablet(w, pool, scale, rng)
    office_network(w, pool, scale, rng)

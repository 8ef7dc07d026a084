"""The cash-out risk event register in the format of 003 篇四: merchant name and number, number
of cards involved, cumulative amount, legal representative, main method, cardholders.
Identity numbers appear only masked (fengkong never keeps them in clear)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from fengkong.batch.cashout import CashOutReport, connect

COLUMNS = (
    "商户名称 merchant name",
    "商户编号 merchant number",
    "涉及卡数 cards involved",
    "累计金额 cumulative amount (CNY)",
    "法定代表人 legal representative",
    "代表人证件 representative ID (masked)",
    "主要手法 main method",
    "持卡人 cardholders (customer id / name)",
    "风险评分 score",
    "风险等级 level",
    "处置 disposition",
)

METHOD = {
    "round_amount_share": "大额整数交易 large round amounts",
    "preauth_115": "预授权完成超授权额 pre-auth completion near 115%",
    "ticket_vs_mcc": "交易额与行业不符 volume inconsistent with MCC",
    "night_share": "非正常时段交易 abnormal hours",
    "void_reversal_share": "频繁撤销冲正 frequent voids/reversals",
    "volume_jump": "交易量突增 sudden volume jump",
    "credit_share": "信用卡占比高 high credit-card share",
    "offline_completions": "离线预授权完成 offline completions",
}


def register_rows(
    report: CashOutReport, parquet_dir: Path, registry: dict[str, dict[str, Any]], min_level: int = 3
) -> list[list[Any]]:
    risky_cards = {f.entity_id for f in report.cardholders if f.level >= 2}
    con = connect(parquet_dir)
    rows: list[list[Any]] = []
    for f in report.merchants:
        if f.level < min_level:
            continue
        cards = con.execute(
            "SELECT card_id, any_value(customer_id), sum(amount_fen) FROM ev WHERE merchant_id = ? AND type = 'transaction' "
            "AND card_kind = 'credit' AND ts >= ? AND decision IN ('approve', 'delay_settlement') GROUP BY card_id",
            [f.entity_id, report.since],
        ).fetchall()
        involved = [c for c in cards if c[0] in risky_cards] or cards
        names = dict(
            con.execute(
                "SELECT customer_id, any_value(name_masked) FROM ev WHERE type = 'account_open' "
                "AND name_masked IS NOT NULL GROUP BY customer_id"
            ).fetchall()
        )
        record = registry.get(f.entity_id, {})
        method = METHOD.get(f.drivers[0], f.drivers[0]) if f.drivers else ""
        rows.append(
            [
                record.get("name", ""),
                f.entity_id,
                len(involved),
                round(sum(c[2] for c in involved) / 100, 2),
                record.get("legal_rep_name", ""),
                record.get("legal_rep_id_masked") or "",
                method,
                "; ".join(f"{c[1]}{' ' + names[c[1]] if names.get(c[1]) else ''}" for c in involved[:50]),
                f.score,
                f.level,
                f.disposition or "",
            ]
        )
    con.close()
    return rows


def write_register(rows: list[list[Any]], path: Path) -> None:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)  # type: ignore[arg-type]
        sheet = book.create_sheet("套现风险事件登记", 0)
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append(row)
        book.save(path)
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)

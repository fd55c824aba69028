"""Test data for the catalogue: valid item data with overrides."""

from __future__ import annotations

import copy
from typing import Any


def item_data(code: str = "TEST-XK-001", **overrides: Any) -> dict[str, Any]:
    data = {
        "code": code,
        "base_code": "000105001000",
        "name": "测试许可事项",
        "aliases": "测试证",
        "kind": "licensing",
        "department": "lh-scjg",
        "region_level": "district",
        "applicant_type": "legal",
        "topics": [],
        "legal_basis": "《测试条例》第三条",
        "conditions": "申请人依法设立。",
        "statutory_days": 20,
        "promised_days": 5,
        "is_instant": False,
        "max_visits": 1,
        "online_depth": "online_prereview",
        "channels": ["online", "window"],
        "nearby": False,
        "is_free": True,
        "result_type": "licence",
        "result_name": "测试许可证",
        "delivery_modes": ["window", "mail"],
        "steps": [{"name": "受理", "description": "窗口受理"}, {"name": "决定", "description": ""}],
        "deferral_allowed": True,
        "deferral_days": 10,
        "materials": [
            {"name": "申请书", "is_main": True, "originals": 1},
            {"name": "营业执照", "source": "licence", "licence_type": "营业执照"},
            {"name": "场所证明", "is_main": False, "deferrable": True, "copies": 1},
            {"name": "租赁合同", "is_main": False, "conditional": True, "copies": 1},
        ],
        "situations": [
            {
                "question": "场所是否租赁？",
                "help_text": "",
                "options": [
                    {"label": "是", "adds": ["租赁合同"], "removes": []},
                    {"label": "否", "adds": [], "removes": ["场所证明"]},
                ],
            },
        ],
    }
    for key, value in overrides.items():
        data[key] = value
    return copy.deepcopy(data)

import pytest
from django.db import connection

from govhall.catalog import search, selectors, services
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db

DEPT = "test-search"


@pytest.fixture
def catalogue(demo):
    services.department_upsert(code=DEPT, name="测试检索局", region_code="610104")

    def item(code, name, aliases="", result="证明", materials=("申请表",), applicant="legal", conditions="无"):
        return item_data(
            code,
            name=name,
            aliases=aliases,
            result_name=result,
            department=DEPT,
            applicant_type=applicant,
            conditions=conditions,
            deferral_allowed=False,
            deferral_days=0,
            situations=[],
            materials=[{"name": m} for m in materials],
        )

    services.catalog_import(
        [
            item("S-A", "有限责任公司设立登记", aliases="办营业执照、开公司", result="营业执照"),
            item("S-B", "个体工商户设立登记", result="营业执照"),
            item("S-C", "食品经营许可", result="食品经营许可证", materials=("营业执照", "食品安全管理制度")),
            item("S-D", "结婚登记", result="结婚证", applicant="natural"),
            item(
                "S-E",
                "门诊慢特病待遇认定",
                result="认定结果",
                applicant="natural",
                conditions="参保人员患有高血压、糖尿病等慢性病",
            ),
        ]
    )


def codes(q, **filters):
    page = selectors.item_search(q=q, department=DEPT, **filters)
    return [i.code for i in page.items]


def test_chinese_words_rank_name_and_result_above_material(catalogue):
    assert codes("营业执照") == ["S-A", "S-B", "S-C"]


def test_initials(catalogue):
    assert codes("yyzz")[:2] == ["S-A", "S-B"]
    assert "S-C" not in codes("yyzz")  # materials are not matched by initials


def test_full_pinyin_and_prefix(catalogue):
    assert codes("yingyezhizhao")[:2] == ["S-A", "S-B"]
    assert codes("yingye")[:2] == ["S-A", "S-B"]
    assert codes("jiehun") == ["S-D"]
    assert codes("jie hun dengji")[0] == "S-D"


def test_homophone_typo_still_finds_the_item(catalogue):
    assert codes("营业职照")[0] == "S-A"  # 职 for 执: same pinyin, a common IME slip
    assert codes("结昏登记")[0] == "S-D"


def test_pinyin_typo(catalogue):
    assert codes("yingyezhizao")[:2] == ["S-A", "S-B"]


def test_alias_and_partial_name(catalogue):
    assert codes("开公司") == ["S-A"]
    assert codes("设立")[:2] == ["S-A", "S-B"]
    assert codes("慢特病")[0] == "S-E"


def test_conditions_are_searched_with_low_weight(catalogue):
    assert codes("糖尿病") == ["S-E"]


def test_exact_name_comes_first(catalogue):
    assert codes("食品经营许可")[0] == "S-C"
    assert codes("结婚登记")[0] == "S-D"


def test_filters(catalogue):
    assert codes("登记", applicant_type="natural") == ["S-D"]
    assert "S-D" not in codes("登记", applicant_type="legal")
    assert codes("营业执照", kind="adjudication") == []


def test_nothing_found(catalogue):
    assert codes("量子计算机") == []
    assert selectors.item_search(q="   ", department=DEPT).total == 5  # blank query browses


def test_index_follows_catalogue_changes(catalogue):
    assert codes("开公司") == ["S-A"]
    services.item_retire(item=selectors.item_get("S-A"))
    assert codes("开公司") == []


def test_ranking_is_deterministic_and_database_independent(catalogue):
    # ties are broken by code, so PostgreSQL and SQLite (CI runs both) agree exactly
    first = [i.code for i in selectors.item_search(q="登记").items]
    second = [i.code for i in selectors.item_search(q="登记").items]
    assert first == second
    index = search.current_index()
    assert [d.code for d in index.docs] == sorted(d.code for d in index.docs), connection.vendor


def test_demo_catalogue_search(demo):
    names = [i.name for i in selectors.item_search(q="yyzz").items[:3]]
    assert any("设立登记" in n for n in names), names
    assert selectors.item_search(q="公积金").total >= 3
    assert selectors.item_search(q="准生证").total >= 0  # aliases searched; presence depends on demo data
    first = selectors.item_search(q="结婚登记").items[0]
    assert first.name == "结婚登记"


def test_pagination(catalogue):
    page1 = selectors.item_search(q="登记", page=1, page_size=2)
    page2 = selectors.item_search(q="登记", page=2, page_size=2)
    assert page1.total == page2.total >= 3
    assert not {i.code for i in page1.items} & {i.code for i in page2.items}


def test_text_terms():
    terms = search.text_terms("营业执照")
    assert {"营业", "执照", "营业执照"} <= terms
    assert {"py:yingyezhizhao", "in:yyzz"} <= search.pinyin_terms("营业执照")


def test_index_public_lists_agree_with_the_list_queries(demo):
    from govhall.catalog.selectors import PUBLIC_LISTS, published_items

    for item in published_items():
        expected = {
            name for name, (_, _, q) in PUBLIC_LISTS.items() if published_items().filter(q, pk=item.pk).exists()
        }
        assert search.public_lists_of(item) == expected, item.code


def test_search_within_a_public_list(catalogue):
    from govhall.catalog.selectors import item_search

    page = item_search(q="登记", public_list="instant", page_size=100)
    assert page.items and all(i.is_instant for i in page.items)

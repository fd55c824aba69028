from unittest import mock

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.catalog import search, selectors, services
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db

DEPT = "test-search"


@pytest.fixture
def catalogue(demo):
    services.department_upsert(code=DEPT, name="测试检索局", region_code="610104000000")

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


# ---------------------------------------------------------------- class scoring = item-by-item scoring


def _query_pieces():
    """Words a citizen might type about the demo catalogue: parts of names, aliases, results
    and materials, their pinyin and initials, with and without a wrong character."""
    from pypinyin import Style, lazy_pinyin

    from govhall.catalog.demo import data

    texts = set()
    for item in data.ITEMS:
        texts |= {item["name"], item["result_name"], *item["aliases"].split("、")}
        texts |= {m["name"] for m in item["materials"]}
    texts = sorted(t for t in texts if t)
    chars = sorted({c for t in texts for c in t if "\u4e00" <= c <= "\u9fff"})
    sounds = sorted(
        {"".join(lazy_pinyin(t)) for t in texts} | {"".join(lazy_pinyin(t, style=Style.FIRST_LETTER)) for t in texts}
    )
    part = st.sampled_from(texts).flatmap(
        lambda t: st.tuples(st.integers(0, len(t) - 1), st.integers(1, len(t))).map(lambda ij: t[ij[0] : ij[0] + ij[1]])
    )
    typo = st.tuples(part, st.integers(0, 20), st.sampled_from(chars)).map(
        lambda p: p[0][: p[1] % len(p[0])] + p[2] + p[0][p[1] % len(p[0]) + 1 :]
    )
    sound = st.sampled_from(sounds).flatmap(lambda s: st.integers(1, len(s)).map(lambda n: s[:n]))
    noise = st.text(alphabet=chars[:40] + list("abcdeghijklmnoswyz0123 "), min_size=1, max_size=6)
    return st.one_of(part, part, typo, sound, noise)


QUERIES = st.lists(_query_pieces(), min_size=1, max_size=3).map(" ".join)


def _same_ranking(index, query, filters, window):
    with mock.patch.object(search, "BONUS_WINDOW", window), mock.patch.object(search, "MAX_SPLITS", 10**9):
        fast = search.search(index, query, filters)
        reference = search.search_exhaustive(index, query, filters)
        assert fast.total == reference.total, query
        # the first page before anything beyond the window is sorted, then every page
        assert fast.ids(0, 10) == reference.ids(0, 10), query
        assert fast.ids(0, fast.total + 1) == reference.ids(0, reference.total + 1), query
        assert len(fast.ids(0, fast.total + 1)) == fast.total


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES, window=st.sampled_from([1, 3, 20, search.BONUS_WINDOW]), data=st.data())
def test_class_scoring_ranks_exactly_as_scoring_every_item(demo, query, window, data):
    index = search.current_index()
    filters = search.Filters(
        department_id=data.draw(st.sampled_from([None, *sorted({d.department_id for d in index.docs})])),
        applicant_type=data.draw(st.sampled_from([None, "natural", "legal"])),
        kind=data.draw(st.sampled_from([None, *sorted({d.kind for d in index.docs})])),
        topic_id=data.draw(st.sampled_from([None, *sorted({t for d in index.docs for t in d.topic_ids})])),
        public_list=data.draw(st.sampled_from([None, "instant", "online", "one-visit", "nearby"])),
    )
    if data.draw(st.booleans()):
        filters = search.Filters()  # most searches have no filter
    _same_ranking(index, query, filters, window)


@pytest.mark.parametrize("query", ["登记", "营业执照 公积金 户口", "jie hun dengji", "结昏登记", "yyzz", "证明"])
def test_fragmented_queries_fall_back_to_item_by_item_scoring(demo, query):
    index = search.current_index()
    with mock.patch.object(search, "MAX_SPLITS", 0):
        fallback = search.search(index, query)
    reference = search.search_exhaustive(index, query)
    assert fallback.total == reference.total > 0
    assert fallback.ids(0, 1000) == reference.ids(0, 1000)


def test_results_list_json_is_what_the_schema_renders(client, demo):
    from govhall.catalog.api import ItemPageOut

    for params in ({"q": "登记", "page_size": 50}, {"q": "yyzz", "page": 2, "page_size": 3}, {"page_size": 7}):
        response = client.get("/api/v1/catalog/items", params)
        assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body["results"], params
        assert ItemPageOut.model_validate(body).model_dump() == body


def test_a_search_request_reads_only_the_revision(client, demo, django_assert_num_queries):
    client.get("/api/v1/catalog/items", {"q": "结婚登记"})  # builds the index if needed
    with django_assert_num_queries(1):
        body = client.get("/api/v1/catalog/items", {"q": "不动产登记"}).json()
    assert body["count"] > 0


@given(st.sets(st.integers(0, 999)), st.integers(1, 300))
def test_smallest_positions_of_a_class(members, n):
    assert search._smallest(frozenset(members), n, 1000) == sorted(members)[:n]

"""Demo 一件事 (bundles) and the two life-cycle trees of the 莲湖区 service centre.

Loaded after the catalogue's own items (``govhall.catalog.demo.load``, order 10): the few
items the bundles need that the catalogue lacks (with their departments: 区退役军人事务局、
区残联、区城市管理和综合执法局、区烟草专卖局), then the bundles through
``catalog.services.bundle_import`` (versioned and published as items are: an unchanged
bundle is left alone, a changed one gets a new version), then the life events.

Bundle contents follow the State Council's 高效办成一件事 first batch as Xi'an, Xinjiang,
Anyang and Ningbo run it (新生儿出生、开办餐饮店、企业开办、退休、残疾人服务、身后…);
item codes, credit codes and phone numbers are made up like the catalogue's (see data.py).
Reductions are never typed in here: ``catalog.bundles.reductions`` computes them from the
members' materials, visits and limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from govhall.catalog.checkdigits import uscc_check_char
from govhall.catalog.demo import data as d
from govhall.catalog.services import ImportResult
from govhall.core.demo import demo_loader

DISTRICT = d.DISTRICT

# ------------------------------------------------------------------ departments the catalogue lacks

DEPARTMENTS: list[dict[str, Any]] = [
    {
        "code": "lh-tyjr",
        "name": "西安市莲湖区退役军人事务局",
        "short_name": "区退役军人事务局",
        "region": DISTRICT,
        "phone": "029-87281915",
        "order": 12,
        "counter": ("莲湖区政务服务中心三楼社会事务综合受理区", "退役军人服务窗口（E07）"),
    },
    {
        "code": "lh-cl",
        "name": "西安市莲湖区残疾人联合会",
        "short_name": "区残联",
        "region": DISTRICT,
        "phone": "029-87610322",
        "order": 13,
        "counter": ("莲湖区政务服务中心三楼社会事务综合受理区", "助残服务窗口（E08）"),
    },
    {
        "code": "lh-cg",
        "name": "西安市莲湖区城市管理和综合执法局",
        "short_name": "区城管执法局",
        "region": DISTRICT,
        "phone": "029-87316532",
        "order": 14,
        "counter": ("莲湖区政务服务中心三楼工程建设项目审批专区", "市政公用综合窗口（F07）"),
    },
    {
        "code": "lh-yc",
        "name": "西安市莲湖区烟草专卖局",
        "short_name": "区烟草专卖局",
        "region": DISTRICT,
        "phone": "029-88623156",
        "order": 15,
        "counter": ("莲湖区政务服务中心一楼企业开办专区", "准营综合窗口（A09）"),
    },
]
_NEW = {dep["code"]: dep for dep in DEPARTMENTS}

# the seq of items added here starts at 51 so the catalogue's own numbering never meets it


def _item(*, department: str, kind: str, seq: int, **kw: Any) -> dict[str, Any]:
    """An item in the catalogue's canonical form (``data.item``), also for the departments
    defined here (their own made-up credit code and counter)."""
    dep = _NEW.get(department)
    if dep is None:
        return d.item(department=department, kind=kind, seq=seq, **kw)
    kw.setdefault("counter", dep["counter"])
    kw.setdefault("enquiry_phone", dep["phone"])
    out = d.item(department="lh-mz", kind=kind, seq=seq, **kw)  # a stand-in, patched below
    body = f"11610104LH{dep['order']:07d}"
    agency = body + uscc_check_char(body)
    base = f"{dep['order']:04d}{d._KINDS[kind]}{seq:03d}000"
    out.update(
        department=department,
        base_code=base,
        code=f"{base}-{DISTRICT}-000-{agency}-1-00",
        licence_type_code=(
            f"{agency}{list(d._KINDS).index(kind) + 1}{seq:02d}"
            if kw["result_type"] in ("licence", "certificate")
            else ""
        ),
    )
    return out


def code_of(department: str, kind: str, seq: int) -> str:
    """The implementation code of an item of the catalogue's demo or of this module."""
    if department in _NEW:
        dep = _NEW[department]
        body = f"11610104LH{dep['order']:07d}"
        return f"{dep['order']:04d}{d._KINDS[kind]}{seq:03d}000-{DISTRICT}-000-{body + uscc_check_char(body)}-1-00"
    return d.item_code(department, kind, seq)


m, lic, shr, sec, f, st = d.material, d.licence, d.shared, d.secondary, d.field, d.steps
ID_PHOTO = "本人近期免冠照片"
PREMISES = "经营场所租赁合同或产权证明"
DISCHARGE_PAPER = "退出现役证"
KINSHIP = "死者与申请人亲属关系证明"
FLOOR_PLAN = "经营场所、仓库平面布置图及房屋使用证明"
QUALITY_DOCS = "质量管理文件目录及主要设施设备目录"
PHARMACIST = "执业药师注册证及身份证明"
HUKOU_BOOK = "居民户口簿"
SSC = "社会保障卡"


def _flow(accept: str, decide: str) -> list[dict[str, str]]:
    return st(("申请与受理", accept), ("审查与决定", decide), ("送达", "结果通过电子证照推送，或窗口领取、邮寄送达"))


# ------------------------------------------------------------------ codes of the catalogue's own items

C = {
    "company": code_of("lh-scjg", "licensing", 1),
    "individual": code_of("lh-scjg", "licensing", 4),
    "food": code_of("lh-scjg", "licensing", 5),
    "prepacked": code_of("lh-scjg", "other_power", 1),
    "pharmacy": code_of("lh-scjg", "licensing", 6),
    "company_change": code_of("lh-scjg", "licensing", 2),
    "company_close": code_of("lh-scjg", "licensing", 3),
    "special_equipment": code_of("lh-scjg", "licensing", 7),
    "pledge": code_of("lh-scjg", "other_power", 2),
    "tax_cert": code_of("lh-sw", "public_service", 2),
    "cross_region_tax": code_of("lh-sw", "other_power", 1),
    "invoice": code_of("lh-sw", "other_power", 2),
    "tax_change": code_of("lh-sw", "other_power", 3),
    "vat": code_of("lh-sw", "confirmation", 1),
    "tax_clear": code_of("lh-sw", "other_power", 4),
    "deed_tax": code_of("lh-sw", "other_power", 6),
    "archive": code_of("lh-rs", "public_service", 1),
    "ss_card": code_of("lh-rs", "public_service", 2),
    "unemployment": code_of("lh-rs", "public_service", 3),
    "employment_card": code_of("lh-rs", "public_service", 4),
    "flexible_insurance": code_of("lh-rs", "public_service", 5),
    "pension_transfer": code_of("lh-rs", "public_service", 6),
    "retire": code_of("lh-rs", "benefit", 1),
    "injury": code_of("lh-rs", "confirmation", 1),
    "hr_licence": code_of("lh-rs", "licensing", 1),
    "employer_insurance": code_of("lh-rs", "public_service", 7),
    "resident_medical": code_of("lh-yb", "public_service", 1),
    "medical_transfer": code_of("lh-yb", "public_service", 2),
    "remote_medical": code_of("lh-yb", "public_service", 3),
    "chronic": code_of("lh-yb", "confirmation", 1),
    "hospital_claim": code_of("lh-yb", "benefit", 1),
    "maternity_allowance": code_of("lh-yb", "benefit", 2),
    "birth_hukou": code_of("lh-ga", "confirmation", 1),
    "id_card": code_of("lh-ga", "confirmation", 2),
    "residence_permit": code_of("lh-ga", "confirmation", 3),
    "hukou_move": code_of("lh-ga", "confirmation", 4),
    "no_crime": code_of("lh-ga", "public_service", 1),
    "seal": code_of("lh-ga", "other_power", 1),
    "birth_cert": code_of("lh-wj", "confirmation", 1),
    "vaccination": code_of("lh-wj", "public_service", 1),
    "clinic": code_of("lh-wj", "licensing", 1),
    "public_hygiene": code_of("lh-wj", "licensing", 4),
    "birth_registration": code_of("lh-wj", "public_service", 2),
    "construction_permit": code_of("lh-zj", "licensing", 1),
    "rental_record": code_of("lh-zj", "other_power", 2),
    "public_rental": code_of("lh-zj", "benefit", 1),
    "house_transfer": code_of("lh-zrzy", "confirmation", 1),
    "mortgage": code_of("lh-zrzy", "confirmation", 2),
    "eia_register": code_of("lh-sthj", "other_power", 1),
    "pollution": code_of("lh-sthj", "licensing", 2),
    "fund_account": code_of("lh-gjj", "public_service", 1),
    "fund_base": code_of("lh-gjj", "public_service", 2),
    "fund_buy": code_of("lh-gjj", "public_service", 3),
    "fund_rent": code_of("lh-gjj", "public_service", 4),
    "fund_retire": code_of("lh-gjj", "public_service", 5),
    "fund_loan": code_of("lh-gjj", "public_service", 6),
    "marriage": code_of("lh-mz", "confirmation", 1),
    "divorce": code_of("lh-mz", "confirmation", 2),
    "marriage_reissue": code_of("lh-mz", "confirmation", 3),
    "dibao": code_of("lh-mz", "benefit", 1),
    "disability_allowance": code_of("lh-mz", "benefit", 2),
}

# ------------------------------------------------------------------ items the bundles need

_STREET = (d.STREET_HALL, d.STREET_WINDOW)

ITEMS: list[dict[str, Any]] = [
    # 新生儿出生: the child's health insurance and social security card, asked with the child's name
    _item(
        department="lh-yb",
        kind="public_service",
        seq=51,
        name="新生儿城乡居民基本医疗保险参保登记",
        aliases="宝宝医保、新生儿医保、娃办医保",
        applicant_type="natural",
        topics=["birth", "medical"],
        legal_basis="《中华人民共和国社会保险法》第二十五条；《陕西省城乡居民基本医疗保险办法》",
        conditions="本市户籍或父母一方在本市参保的新生儿，出生后90日内参保登记并缴费的，自出生之日起享受待遇",
        statutory_days=5,
        promised_days=0,
        is_instant=True,
        online_depth="full_online",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        result_type="record",
        result_name="参保登记信息",
        delivery_modes=["electronic"],
        flow=st(("申请", "监护人网上提交或在街道、社区窗口办理"), ("登记", "医保经办机构即时登记并生成缴费信息")),
        form=[
            f("新生儿姓名"),
            f("监护人姓名"),
            f("联系电话", help="接收参保和缴费提醒的手机号"),
            f("缴费档次", "choice", choices=("一档", "二档"), required=False),
        ],
        materials=[
            m("城乡居民基本医疗保险参保登记表"),
            lic("出生医学证明", "出生医学证明"),
            lic("监护人居民身份证", "居民身份证"),
            shr("户口簿信息"),
        ],
    ),
    _item(
        department="lh-rs",
        kind="public_service",
        seq=51,
        name="社会保障卡申领（新生儿）",
        aliases="宝宝社保卡、少儿社保卡、新生儿社保卡",
        applicant_type="natural",
        topics=["birth", "social-security"],
        legal_basis="《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》",
        conditions="已办理城乡居民医保参保登记的新生儿，由监护人代为申领",
        statutory_days=20,
        promised_days=5,
        online_depth="online_prereview",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        max_visits=1,
        result_type="licence",
        result_name="社会保障卡",
        delivery_modes=["window", "mail", "locker"],
        flow=_flow("监护人网上提交或在窗口提交", "人社部门制卡，5个工作日内寄出或通知领取"),
        form=[f("婴儿姓名"), f("监护人姓名"), f("联系电话"), f("邮寄地址", required=False)],
        materials=[
            m("社会保障卡申领登记表"),
            lic("出生医学证明", "出生医学证明"),
            lic("监护人居民身份证", "居民身份证"),
            m("婴儿近期免冠照片", form="electronic", notes="白色背景，可用手机拍摄后上传"),
        ],
    ),
    # 开办餐饮店 / 我要开超市: drainage, shop signs and tobacco retail
    _item(
        department="lh-zj",
        kind="licensing",
        seq=51,
        name="城镇污水排入排水管网许可",
        aliases="排水许可、排污水许可、餐饮排水",
        applicant_type="both",
        topics=["permits", "environment"],
        legal_basis="《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》",
        conditions="从事餐饮等活动向城镇排水设施排放污水的排水户；已按规定建设隔油池等预处理设施",
        statutory_days=15,
        promised_days=5,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="licence",
        result_name="城镇污水排入排水管网许可证",
        delivery_modes=["window", "mail", "electronic"],
        commitment_allowed=True,
        flow=_flow("网上或窗口提交", "现场核查排水设施后作出许可决定"),
        form=[f("排水户名称"), f("排水户地址"), f("日均排水量（立方米）", "number")],
        materials=[
            m("城镇污水排入排水管网许可申请表", originals=1),
            lic("营业执照", "营业执照"),
            m(PREMISES, copies=1),
            m("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明", copies=1),
            m("隔油池等预处理设施说明", copies=1),
        ],
    ),
    _item(
        department="lh-cg",
        kind="licensing",
        seq=51,
        name="店招标牌设置审批",
        aliases="门头招牌、店招、挂招牌、户外招牌",
        applicant_type="both",
        topics=["permits"],
        legal_basis="《城市市容和环境卫生管理条例》第十一条；《西安市市容环境卫生管理条例》",
        conditions="在临街建筑物外立面设置店招标牌，且符合莲湖区户外招牌设置规范",
        statutory_days=20,
        promised_days=3,
        online_depth="online_prereview",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        result_type="approval",
        result_name="店招标牌设置审批决定书",
        delivery_modes=["window", "electronic"],
        commitment_allowed=True,
        flow=_flow("网上或就近提交", "对照设置规范审查，必要时现场核查"),
        form=[f("设置单位名称"), f("设置地点"), f("招牌尺寸（长×高，米）")],
        materials=[
            m("店招标牌设置申请表", originals=1),
            lic("营业执照", "营业执照"),
            m(PREMISES, copies=1),
            m("店招标牌设计效果图", notes="标明尺寸、材质、色彩及与建筑外立面的关系"),
        ],
    ),
    _item(
        department="lh-yc",
        kind="licensing",
        seq=51,
        name="烟草专卖零售许可证核发",
        aliases="烟草证、卖烟、烟草许可证",
        applicant_type="both",
        topics=["permits"],
        legal_basis="《中华人民共和国烟草专卖法》第十六条；《中华人民共和国烟草专卖法实施条例》第十条",
        conditions="有与经营烟草制品零售业务相适应的资金和固定经营场所，符合当地烟草制品零售点合理布局要求",
        statutory_days=20,
        promised_days=10,
        online_depth="online_prereview",
        channels=["online", "mobile", "window"],
        result_type="licence",
        result_name="烟草专卖零售许可证",
        delivery_modes=["window", "mail", "electronic"],
        flow=_flow("网上或窗口提交", "现场勘验经营场所后作出许可决定"),
        form=[f("零售户名称"), f("经营地址"), f("经营者姓名")],
        materials=[
            m("烟草专卖零售许可证申请表", originals=1),
            lic("营业执照", "营业执照"),
            lic("经营者居民身份证", "居民身份证"),
            m(PREMISES, copies=1),
        ],
    ),
    # 我要开药店
    _item(
        department="lh-scjg",
        kind="other_power",
        seq=51,
        name="第二类医疗器械经营备案",
        aliases="二类器械备案、卖血压计、医疗器械备案",
        applicant_type="legal",
        topics=["permits"],
        legal_basis="《医疗器械监督管理条例》第四十一条；《医疗器械经营监督管理办法》第二十一条",
        conditions="有与经营规模和经营范围相适应的经营场所、贮存条件和质量管理制度",
        statutory_days=0,
        promised_days=0,
        is_instant=True,
        online_depth="full_online",
        channels=["online", "mobile"],
        result_type="record",
        result_name="第二类医疗器械经营备案凭证",
        delivery_modes=["electronic"],
        flow=st(("备案", "网上提交备案信息，材料齐全的当场备案"), ("公示", "备案信息向社会公布")),
        form=[f("企业名称"), f("经营场所"), f("质量负责人")],
        materials=[
            m("第二类医疗器械经营备案表"),
            lic("营业执照", "营业执照"),
            m(FLOOR_PLAN),
            m(QUALITY_DOCS),
        ],
    ),
    _item(
        department="lh-yb",
        kind="public_service",
        seq=52,
        name="定点零售药店医保协议申请",
        aliases="医保定点药店、药店刷医保、医保定点",
        applicant_type="legal",
        topics=["permits", "medical"],
        legal_basis="《医疗保障基金使用监督管理条例》第十四条；《零售药店医疗保障定点管理暂行办法》",
        conditions="取得药品经营许可证并正式营业3个月以上，至少有1名执业药师",
        statutory_days=60,
        promised_days=30,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="approval",
        result_name="医疗保障定点零售药店服务协议",
        delivery_modes=["window", "electronic"],
        flow=_flow("网上提交", "组织评估后签订服务协议"),
        form=[f("药店名称"), f("经营地址"), f("执业药师人数", "number")],
        materials=[
            m("定点零售药店申请表", originals=1),
            lic("药品经营许可证", "药品经营许可证"),
            m(PHARMACIST),
            m("药品进销存管理系统与医保信息系统对接说明"),
        ],
    ),
    # 退休一件事
    _item(
        department="lh-yb",
        kind="confirmation",
        seq=51,
        name="职工医保退休人员待遇核定",
        aliases="退休医保、医保视同缴费年限、退休后医保",
        applicant_type="natural",
        topics=["retirement", "medical"],
        legal_basis="《中华人民共和国社会保险法》第二十七条；《西安市职工基本医疗保险办法》",
        conditions="办理退休手续、职工医保累计缴费年限（含视同缴费年限）达到规定年限",
        statutory_days=20,
        promised_days=5,
        online_depth="online_prereview",
        channels=["online", "window", "station"],
        result_type="record",
        result_name="职工医保退休待遇核定结果",
        delivery_modes=["electronic"],
        flow=_flow("随退休申请一并提交", "核定医保缴费年限，按退休人员享受待遇"),
        form=[f("姓名"), f("联系电话"), f("退休时间", "date")],
        materials=[
            m("职工医保退休人员待遇核定表"),
            lic("本人居民身份证", "居民身份证"),
            m(SSC, notes="现场核验或上传正反面照片"),
        ],
    ),
    # 军人退役一件事
    _item(
        department="lh-tyjr",
        kind="public_service",
        seq=51,
        name="退役军人报到和信息采集",
        aliases="退伍报到、退役报到、当兵回来",
        applicant_type="natural",
        topics=["employment"],
        legal_basis="《中华人民共和国退役军人保障法》第二十条；《退役士兵安置条例》第十五条",
        conditions="退出现役安置地为莲湖区的退役军人，自被批准退出现役之日起30日内报到",
        statutory_days=1,
        promised_days=0,
        is_instant=True,
        online_depth="online_prereview",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        result_type="record",
        result_name="退役军人报到登记及光荣牌",
        delivery_modes=["window"],
        flow=st(("报到", "持退出现役证到窗口或驿站报到"), ("采集", "采集信息，悬挂光荣牌")),
        form=[f("姓名"), f("原服役部队"), f("退役时间", "date"), f("联系电话")],
        materials=[
            m(DISCHARGE_PAPER, originals=1, copies=1),
            lic("本人居民身份证", "居民身份证"),
            m(ID_PHOTO, form="electronic"),
            m("退役军人信息采集表"),
        ],
    ),
    _item(
        department="lh-tyjr",
        kind="public_service",
        seq=52,
        name="退役军人优待证申领",
        aliases="优待证、退役军人证",
        applicant_type="natural",
        topics=["employment"],
        legal_basis="《中华人民共和国退役军人保障法》第六十二条；《退役军人、其他优抚对象优待证管理办法（试行）》",
        conditions="已在莲湖区报到并完成信息采集的退役军人",
        statutory_days=30,
        promised_days=20,
        online_depth="online_prereview",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        max_visits=1,
        result_type="licence",
        result_name="中华人民共和国退役军人优待证",
        delivery_modes=["window", "mail"],
        flow=_flow("网上或窗口申请", "审核后制证，社区发放"),
        form=[f("姓名"), f("联系电话"), f("邮寄地址", required=False)],
        materials=[m(DISCHARGE_PAPER, copies=1), m(ID_PHOTO, form="electronic"), m("退役军人优待证申请表")],
    ),
    _item(
        department="lh-tyjr",
        kind="benefit",
        seq=51,
        name="自主就业退役士兵一次性经济补助金给付",
        aliases="退伍补助、退役补助金、自主就业补助",
        applicant_type="natural",
        topics=["employment"],
        legal_basis="《中华人民共和国退役军人保障法》第三十七条；《退役士兵安置条例》第十九条",
        conditions="选择自主就业、已在安置地报到的退役士兵",
        statutory_days=30,
        promised_days=15,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="other",
        result_name="一次性经济补助金发放",
        delivery_modes=["electronic"],
        flow=_flow("随报到一并提交", "审核后发放至本人社会保障卡金融账户"),
        form=[f("姓名"), f("原服役部队"), f("社会保障卡金融账号")],
        materials=[m(DISCHARGE_PAPER, copies=1), m("自主就业退役士兵一次性经济补助金申请表")],
    ),
    # 残疾人服务一件事
    _item(
        department="lh-cl",
        kind="confirmation",
        seq=51,
        name="残疾人证新办",
        aliases="办残疾证、残疾证、残疾评定",
        applicant_type="natural",
        topics=["social-aid"],
        legal_basis="《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》第八条",
        conditions="本区户籍、符合残疾标准的视力、听力、言语、肢体、智力、精神残疾人",
        statutory_days=30,
        promised_days=15,
        online_depth="online_prereview",
        channels=["online", "mobile", "window", "station"],
        nearby=True,
        result_type="licence",
        result_name="中华人民共和国残疾人证",
        delivery_modes=["window", "mail", "electronic"],
        flow=_flow("网上或社区提交，预约评定", "指定医院评定后审核发证"),
        form=[
            f("姓名"),
            f("残疾类别", "choice", choices=("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
            f("联系电话"),
        ],
        materials=[
            m("残疾人证申请表"),
            lic("本人居民身份证", "居民身份证"),
            m(HUKOU_BOOK, notes="户主页和本人页"),
            m(ID_PHOTO, form="electronic"),
        ],
    ),
    _item(
        department="lh-cl",
        kind="benefit",
        seq=52,
        name="残疾人辅助器具适配补贴",
        aliases="轮椅补贴、助听器补贴、辅具",
        applicant_type="natural",
        topics=["social-aid"],
        legal_basis="《中华人民共和国残疾人保障法》第四十八条；《陕西省残疾人基本辅助器具适配补贴办法》",
        conditions="持有第二代残疾人证、有辅助器具适配需求的本区户籍残疾人",
        statutory_days=30,
        promised_days=15,
        online_depth="online_prereview",
        channels=["online", "window", "station"],
        nearby=True,
        result_type="other",
        result_name="辅助器具适配或补贴发放",
        delivery_modes=["window", "electronic"],
        flow=_flow("网上或社区提交", "评估适配需求后发放辅具或补贴"),
        form=[f("姓名"), f("需要的辅助器具"), f("联系电话")],
        materials=[m("残疾人辅助器具适配申请表"), lic("残疾人证", "残疾人证"), m(HUKOU_BOOK, notes="户主页和本人页")],
    ),
    # 身后一件事
    _item(
        department="lh-wj",
        kind="confirmation",
        seq=51,
        name="居民死亡医学证明（推断）书签发",
        aliases="死亡证明、开死亡证明、人走了",
        applicant_type="natural",
        topics=["medical"],
        legal_basis="《国家卫生健康委 公安部 民政部关于进一步规范人口死亡医学证明和信息登记管理工作的通知》",
        conditions="在医疗卫生机构或家中正常死亡的居民，由医疗卫生机构签发",
        statutory_days=1,
        promised_days=0,
        is_instant=True,
        online_depth="window",
        channels=["window"],
        nearby=True,
        result_type="certificate",
        result_name="居民死亡医学证明（推断）书",
        delivery_modes=["window", "electronic"],
        flow=st(("申请", "家属到医院或社区卫生服务中心申请"), ("签发", "医生调查核实后当场签发")),
        materials=[lic("死者居民身份证", "居民身份证"), lic("申请人居民身份证", "居民身份证")],
    ),
    _item(
        department="lh-ga",
        kind="confirmation",
        seq=51,
        name="户口注销（死亡）",
        aliases="销户、死亡销户、注销户口",
        applicant_type="natural",
        topics=["huji"],
        legal_basis="《中华人民共和国户口登记条例》第八条",
        conditions="本区户籍居民死亡，其亲属在1个月内申报注销户口",
        statutory_days=1,
        promised_days=0,
        is_instant=True,
        online_depth="online_prereview",
        channels=["online", "window", "station"],
        nearby=True,
        result_type="record",
        result_name="户口注销证明",
        delivery_modes=["window", "electronic"],
        flow=st(("申请", "家属网上或到派出所、驿站申报"), ("注销", "核验后当场注销并出具证明")),
        form=[f("逝者姓名"), f("申报人姓名"), f("与逝者关系")],
        materials=[shr("居民死亡医学证明（推断）书信息"), m("死者居民身份证原件", originals=1), m(HUKOU_BOOK)],
    ),
    _item(
        department="lh-rs",
        kind="benefit",
        seq=51,
        name="丧葬补助金和抚恤金申领",
        aliases="丧葬费、抚恤金、养老保险丧葬补助",
        applicant_type="natural",
        topics=["social-security"],
        legal_basis="《中华人民共和国社会保险法》第十七条、第四十九条",
        conditions="参加企业职工基本养老保险的人员因病或非因工死亡，其遗属申领",
        statutory_days=20,
        promised_days=10,
        online_depth="online_prereview",
        channels=["online", "window", "station"],
        nearby=True,
        result_type="other",
        result_name="丧葬补助金、抚恤金发放",
        delivery_modes=["electronic"],
        flow=_flow("网上或窗口提交", "核定待遇后发放到遗属账户"),
        form=[f("死者姓名"), f("申领人姓名"), f("申领人银行账号")],
        materials=[
            shr("死亡信息", notes="通过公安、卫健、民政死亡信息共享获取"),
            m(KINSHIP),
            m("丧葬补助金、抚恤金申领表"),
            lic("申领人居民身份证", "居民身份证"),
        ],
    ),
    _item(
        department="lh-gjj",
        kind="public_service",
        seq=51,
        name="住房公积金提取（死亡或被宣告死亡）",
        aliases="逝者公积金、继承公积金",
        applicant_type="natural",
        topics=["housing"],
        legal_basis="《住房公积金管理条例》第二十四条",
        conditions="职工死亡或者被宣告死亡的，其继承人、受遗赠人可以提取职工住房公积金账户内的存储余额",
        statutory_days=3,
        promised_days=1,
        online_depth="online_prereview",
        channels=["online", "window"],
        result_type="other",
        result_name="住房公积金余额转入继承人账户",
        delivery_modes=["electronic"],
        flow=_flow("窗口或网上提交", "审核后转入继承人账户"),
        form=[f("逝者姓名"), f("继承人姓名"), f("继承人银行账号")],
        materials=[
            shr("死亡信息", notes="通过公安、卫健、民政死亡信息共享获取"),
            m(KINSHIP),
            m("继承权公证书或生效法律文书"),
            lic("继承人居民身份证", "居民身份证"),
        ],
    ),
    _item(
        department="lh-mz",
        kind="benefit",
        seq=51,
        name="惠民殡葬补贴申领",
        aliases="殡葬补贴、火化补贴、丧葬补贴",
        applicant_type="natural",
        topics=["social-aid"],
        legal_basis="《殡葬管理条例》；《西安市惠民殡葬政策实施办法》",
        conditions="本市户籍居民去世后在本市殡仪馆火化的，免除遗体接运、存放、火化和骨灰寄存等基本殡葬服务费用",
        statutory_days=20,
        promised_days=5,
        online_depth="online_prereview",
        channels=["online", "window", "station"],
        nearby=True,
        result_type="other",
        result_name="殡葬补贴发放",
        delivery_modes=["electronic"],
        flow=_flow("网上或街道提交", "核对火化信息后发放"),
        form=[f("死者姓名"), f("申领人姓名"), f("申领人银行账号")],
        materials=[shr("火化证明信息"), m(KINSHIP), lic("申领人居民身份证", "居民身份证")],
    ),
    # 结婚一件事
    _item(
        department="lh-wj",
        kind="public_service",
        seq=51,
        name="婚前医学检查",
        aliases="婚检、免费婚检、孕前检查",
        applicant_type="natural",
        topics=["marriage", "medical"],
        legal_basis="《中华人民共和国母婴保健法》第七条、第十二条",
        conditions="准备结婚的男女双方，自愿参加免费婚前医学检查",
        statutory_days=5,
        promised_days=1,
        online_depth="online_prereview",
        channels=["online", "mobile", "window"],
        result_type="certificate",
        result_name="婚前医学检查证明",
        delivery_modes=["window", "electronic"],
        flow=_flow("预约后到婚检中心（与婚姻登记处同址）检查", "出具婚前医学检查证明"),
        form=[f("男方姓名"), f("女方姓名"), f("联系电话"), f("预约日期", "date")],
        materials=[lic("双方居民身份证", "居民身份证"), m("近期半身免冠合影照片", form="electronic")],
    ),
]

NEW_ITEM_CODES = {i["name"]: i["code"] for i in ITEMS}
N = NEW_ITEM_CODES

# ------------------------------------------------------------------ bundles (一件事), in BundleData form

ONE_WINDOW = "一件事综合窗口（Y01-Y04）"
CENTRE = "莲湖区政务服务中心一楼“高效办成一件事”专区"
HOTLINE = "029-87266100"


def member(code: str, required: bool = True, note: str = "") -> dict[str, Any]:
    return {"item_code": code, "required": required, "note": note}


def choice(label: str, includes: tuple[str, ...] = (), excludes: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"label": label, "includes": list(includes), "excludes": list(excludes)}


def question(text: str, help_text: str, *options: dict[str, Any]) -> dict[str, Any]:
    return {"question": text, "help_text": help_text, "options": list(options)}


def shared_as(name: str, targets: dict[str, str] | None = None, **more: str) -> dict[str, Any]:
    """A declared shared field or material: the item's field or material name by key of ``C``
    or name of a new item (``N``)."""
    return {"name": name, "targets": {_code(k): v for k, v in {**(targets or {}), **more}.items()}}


def _code(key: str) -> str:
    return C.get(key) or N[key]


def bundle(
    code: str,
    name: str,
    *,
    aliases: str,
    description: str,
    applicant_type: str,
    life_stage: str,
    guide: str,
    members: list[dict[str, Any]],
    situations: list[dict[str, Any]] = (),  # type: ignore[assignment]
    fields: list[dict[str, Any]] = (),  # type: ignore[assignment]
    materials: list[dict[str, Any]] = (),  # type: ignore[assignment]
    window: str = ONE_WINDOW,
    hall_location: str = CENTRE,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "aliases": aliases,
        "description": description,
        "applicant_type": applicant_type,
        "life_stage": life_stage,
        "guide": guide,
        "window": window,
        "hall_location": hall_location,
        "enquiry_phone": HOTLINE,
        "members": members,
        "situations": list(situations),
        "fields": list(fields),
        "materials": list(materials),
    }


SHOP_NAME_DECLARED = "店铺名称"
SHOP_ADDRESS_DECLARED = "经营地址"

BUNDLES: list[dict[str, Any]] = [
    bundle(
        "newborn",
        "新生儿出生一件事",
        aliases="生孩子了、宝宝出生、生娃、新生儿落户、上户口、出生证、新生儿医保",
        description="宝宝出生后，出生医学证明、预防接种证、户口登记、医保参保和社会保障卡一次申请、一表填报，"
        "父母不用在医院、派出所、医保和人社窗口之间来回跑。",
        applicant_type="natural",
        life_stage="birth",
        guide="办理流程：在医院签发出生医学证明后，父母一方在“秦务员”或本网站填写一张表，"
        "也可到区政务服务中心一件事专区或街道便民服务中心一窗提交；各部门并联办理，"
        "户口登记后自动推送医保参保，社保卡制卡后邮寄到家。\n"
        "注意事项：新生儿应在出生后一个月内申报户口；出生后90日内参保缴费的，自出生之日起享受医保待遇。",
        members=[
            member(C["birth_cert"], note="在助产医院签发"),
            member(C["vaccination"]),
            member(C["birth_hukou"], required=False, note="父母一方户籍在本市时办理"),
            member(N["新生儿城乡居民基本医疗保险参保登记"]),
            member(N["社会保障卡申领（新生儿）"]),
            member(C["maternity_allowance"], required=False, note="母亲参加职工生育保险时申领"),
        ],
        situations=[
            question(
                "父母一方的户籍是否在西安市？",
                "在本市的，新生儿随父或随母在本市落户；都不在本市的，回户籍地办理出生登记",
                choice("是，随父或随母在本市落户", includes=(C["birth_hukou"],)),
                choice("否，回户籍地落户"),
            ),
            question(
                "母亲是否参加了职工生育保险？",
                "参加职工生育保险的，可一并申领生育津贴",
                choice("是", includes=(C["maternity_allowance"],)),
                choice("否"),
            ),
        ],
        materials=[
            shared_as(
                "新生儿出生一件事联办申请表",
                {
                    "birth_cert": "出生医学证明首次签发登记表",
                    "新生儿城乡居民基本医疗保险参保登记": "城乡居民基本医疗保险参保登记表",
                    "社会保障卡申领（新生儿）": "社会保障卡申领登记表",
                },
            )
        ],
        fields=[
            shared_as(
                "新生儿姓名",
                {"新生儿城乡居民基本医疗保险参保登记": "新生儿姓名", "社会保障卡申领（新生儿）": "婴儿姓名"},
            )
        ],
    ),
    bundle(
        "open-restaurant",
        "开办餐饮店一件事",
        aliases="我要开餐馆、开饭店、开餐馆、开小吃店、开面馆、开餐饮店",
        description="开一家餐饮店，营业执照、食品经营许可、排水许可和店招设置一次申请，"
        "店名和地址只填一次，一套材料共用。",
        applicant_type="both",
        life_stage="permits",
        guide="办理流程：一件事专区一窗受理或网上一表申请 → 市场监管、住建、城管并联审查，"
        "需要现场核查的一次联合踏勘 → 证照统一发放。\n"
        "注意事项：经营场所须为商业用房；餐饮店应设置隔油池；食品安全管理人员须培训合格。",
        members=[
            member(C["individual"], note="已有营业执照的不再办理"),
            member(C["food"]),
            member(N["城镇污水排入排水管网许可"]),
            member(N["店招标牌设置审批"], required=False, note="设置门头招牌时办理"),
        ],
        situations=[
            question(
                "是否已经办好营业执照？",
                "已有营业执照的，直接调取电子营业执照",
                choice("已有营业执照", excludes=(C["individual"],)),
                choice("还没有，一起办"),
            ),
            question(
                "是否要设置门头招牌？",
                "临街设置店招标牌的需经城管部门审批",
                choice("是", includes=(N["店招标牌设置审批"],)),
                choice("否"),
            ),
        ],
        fields=[
            shared_as(
                SHOP_NAME_DECLARED,
                individual="字号名称",
                food="经营者名称",
                城镇污水排入排水管网许可="排水户名称",
                店招标牌设置审批="设置单位名称",
            ),
            shared_as(
                SHOP_ADDRESS_DECLARED,
                individual="经营场所",
                food="经营场所",
                城镇污水排入排水管网许可="排水户地址",
                店招标牌设置审批="设置地点",
            ),
        ],
    ),
    bundle(
        "open-company",
        "开办企业一件事",
        aliases="开公司、注册公司、企业开办、办执照、成立公司",
        description="新开一家公司，营业执照、公章刻制、发票申领、社保登记和公积金开户一网通办，"
        "一张表填报，最快1个工作日办完。",
        applicant_type="legal",
        life_stage="founding",
        guide="办理流程：在企业开办“一网通办”平台填写一张表 → 市场监管核发营业执照后信息自动推送公安、税务、"
        "人社、公积金 → 公章免费刻制、税务Ukey和首套发票免费领取，可邮寄或到专区一次领取。\n"
        "注意事项：名称须先经自主申报；住所须真实可用。",
        members=[
            member(C["company"]),
            member(C["seal"]),
            member(C["invoice"]),
            member(C["employer_insurance"]),
            member(C["fund_account"]),
            member(C["vat"], required=False, note="年应税销售额超过500万元或自愿登记的"),
        ],
        situations=[
            question(
                "是否登记为增值税一般纳税人？",
                "小规模纳税人可以不办理，以后需要时再登记",
                choice("是", includes=(C["vat"],)),
                choice("否，按小规模纳税人"),
            )
        ],
        materials=[
            shared_as(
                "企业开办申请表（一表填报）",
                company="公司登记（备案）申请书",
                invoice="发票领用申请（电子税务局在线填报）",
                employer_insurance="社会保险登记表",
                fund_account="住房公积金单位登记开户表",
            )
        ],
    ),
    bundle(
        "open-supermarket",
        "我要开超市",
        aliases="开超市、开便利店、开小卖部、开商店、开百货店",
        description="开一家超市或便利店，营业执照、食品经营许可（或预包装食品备案）、烟草零售许可和店招设置"
        "一次申请，从跑4个窗口、19个工作日减少到1个窗口。",
        applicant_type="both",
        life_stage="permits",
        guide="办理流程：一件事专区一窗受理 → 市场监管、烟草、城管并联办理，现场核查一次完成 → 证照统一发放。\n"
        "注意事项：只卖预包装食品的只需备案；销售散装食品、现制现售的需办食品经营许可。",
        members=[
            member(C["individual"], note="已有营业执照的不再办理"),
            member(C["prepacked"], required=False, note="只卖预包装食品时办理"),
            member(C["food"], required=False, note="销售散装食品或现制现售时办理"),
            member(N["烟草专卖零售许可证核发"], required=False, note="销售卷烟时办理"),
            member(N["店招标牌设置审批"]),
        ],
        situations=[
            question(
                "是否已经办好营业执照？",
                "",
                choice("已有营业执照", excludes=(C["individual"],)),
                choice("还没有，一起办"),
            ),
            question(
                "是否销售散装食品或现制现售食品？",
                "如散装糕点、熟食、现场加工",
                choice("是", includes=(C["food"],)),
                choice("否，只卖预包装食品", includes=(C["prepacked"],)),
            ),
            question("是否销售卷烟？", "", choice("是", includes=(N["烟草专卖零售许可证核发"],)), choice("否")),
        ],
        fields=[
            shared_as(
                SHOP_NAME_DECLARED,
                individual="字号名称",
                food="经营者名称",
                烟草专卖零售许可证核发="零售户名称",
                店招标牌设置审批="设置单位名称",
            ),
            shared_as(
                SHOP_ADDRESS_DECLARED,
                individual="经营场所",
                food="经营场所",
                烟草专卖零售许可证核发="经营地址",
                店招标牌设置审批="设置地点",
            ),
        ],
    ),
    bundle(
        "open-pharmacy",
        "我要开药店",
        aliases="开药店、开药房、开大药房、药店医保",
        description="开一家零售药店，药品经营许可、第二类医疗器械经营备案、医保定点和店招设置一次申请，"
        "平面图、质量管理文件和执业药师证明只交一次。",
        applicant_type="legal",
        life_stage="permits",
        guide="办理流程：一件事专区一窗受理 → 市场监管、医保、城管并联审查，药品经营许可现场检查一次 → 统一发放。\n"
        "注意事项：须配备执业药师；申请医保定点的须正式营业满3个月。",
        members=[
            member(C["pharmacy"]),
            member(N["第二类医疗器械经营备案"]),
            member(N["定点零售药店医保协议申请"], required=False, note="申请医保定点时办理"),
            member(N["店招标牌设置审批"], required=False, note="设置门头招牌时办理"),
        ],
        situations=[
            question(
                "是否申请医保定点（刷医保卡购药）？",
                "正式营业满3个月后可申请",
                choice("是", includes=(N["定点零售药店医保协议申请"],)),
                choice("暂不申请"),
            ),
            question("是否要设置门头招牌？", "", choice("是", includes=(N["店招标牌设置审批"],)), choice("否")),
        ],
        fields=[
            shared_as(
                SHOP_NAME_DECLARED,
                第二类医疗器械经营备案="企业名称",
                定点零售药店医保协议申请="药店名称",
                店招标牌设置审批="设置单位名称",
            ),
            shared_as(
                SHOP_ADDRESS_DECLARED,
                第二类医疗器械经营备案="经营场所",
                定点零售药店医保协议申请="经营地址",
                店招标牌设置审批="设置地点",
            ),
        ],
    ),
    bundle(
        "marriage",
        "结婚一件事",
        aliases="结婚、领证、登记结婚、结婚证、婚检",
        description="结婚登记、免费婚检、户口迁移和生育登记一次办，婚检中心与婚姻登记处同址，一次到场。",
        applicant_type="natural",
        life_stage="family",
        guide="办理流程：网上预约 → 双方到婚姻登记处先做免费婚检、再办结婚登记 → 需要迁户口的，"
        "登记后信息推送公安，不再跑派出所；生育登记网上直接办。\n"
        "注意事项：双方须本人到场。",
        members=[
            member(C["marriage"]),
            member(N["婚前医学检查"], required=False, note="自愿参加，免费"),
            member(C["hukou_move"], required=False, note="一方将户口迁入配偶户籍地时办理"),
            member(C["birth_registration"], required=False, note="有生育计划时办理"),
        ],
        situations=[
            question("是否参加免费婚检？", "", choice("是", includes=(N["婚前医学检查"],)), choice("否")),
            question(
                "婚后是否要把户口迁到一起？",
                "夫妻投靠迁入",
                choice("是", includes=(C["hukou_move"],)),
                choice("否"),
            ),
            question("是否一并办理生育登记？", "", choice("是", includes=(C["birth_registration"],)), choice("否")),
        ],
        fields=[],
    ),
    bundle(
        "retirement",
        "退休一件事",
        aliases="退休、办退休、到龄退休、退休手续、领养老金",
        description="到了退休年龄，养老保险退休申请、职工医保退休待遇核定和公积金提取一次申请，社保卡只验一次。",
        applicant_type="natural",
        life_stage="retirement",
        guide="办理流程：单位或本人网上一次申请（也可到街道便民服务中心）→ 人社、医保、公积金并联办理 → "
        "养老金按月发放到社保卡，公积金余额转入本人账户。\n"
        "注意事项：弹性提前退休的须提前3个月提出申请。",
        members=[
            member(C["retire"]),
            member(N["职工医保退休人员待遇核定"]),
            member(C["fund_retire"], required=False, note="缴存住房公积金的办理"),
        ],
        situations=[
            question("是否缴存过住房公积金？", "", choice("是", includes=(C["fund_retire"],)), choice("否")),
        ],
    ),
    bundle(
        "veteran",
        "军人退役一件事",
        aliases="退伍、退役、复员、转业、当兵回来",
        description="退役军人返乡报到、优待证、一次性经济补助金、户口恢复和社保接续一次办，退出现役证只交一次。",
        applicant_type="natural",
        life_stage="work",
        guide="办理流程：30日内到区退役军人服务中心或街道退役军人服务站报到 → 一次提交 → "
        "退役军人事务、公安、人社、医保并联办理。\n注意事项：报到时携带退出现役证原件。",
        members=[
            member(N["退役军人报到和信息采集"]),
            member(N["退役军人优待证申领"]),
            member(N["自主就业退役士兵一次性经济补助金给付"], required=False, note="选择自主就业的办理"),
            member(C["hukou_move"], required=False, note="入伍时注销户口、需要恢复的办理"),
            member(C["pension_transfer"]),
            member(C["medical_transfer"]),
        ],
        situations=[
            question(
                "安置方式？",
                "",
                choice("自主就业", includes=(N["自主就业退役士兵一次性经济补助金给付"],)),
                choice("安排工作或退休"),
            ),
            question("是否需要恢复户口？", "", choice("是", includes=(C["hukou_move"],)), choice("否")),
        ],
    ),
    bundle(
        "disability",
        "残疾人服务一件事",
        aliases="办残疾证、残疾人补贴、残疾补贴、轮椅补贴、两项补贴",
        description="残疾人证办理后，两项补贴、辅助器具适配补贴和低保一次申请，在社区就能办。",
        applicant_type="natural",
        life_stage="home",
        guide="办理流程：社区或网上一次申请 → 残联评定发证 → 证照信息自动推送民政、残联办理补贴。\n"
        "注意事项：申请残疾评定须本人到指定医院。",
        members=[
            member(N["残疾人证新办"]),
            member(C["disability_allowance"]),
            member(N["残疾人辅助器具适配补贴"], required=False, note="需要辅具时办理"),
            member(C["dibao"], required=False, note="家庭经济困难时办理"),
        ],
        situations=[
            question(
                "是否需要辅助器具（如轮椅、助听器）？",
                "",
                choice("是", includes=(N["残疾人辅助器具适配补贴"],)),
                choice("否"),
            ),
            question("家庭是否经济困难？", "", choice("是", includes=(C["dibao"],)), choice("否")),
        ],
    ),
    bundle(
        "after-death",
        "身后一件事",
        aliases="人走了、家人去世、老人去世、丧事、销户、办后事",
        description="亲人离世后，死亡证明、户口注销、丧葬补助金和抚恤金、殡葬补贴、公积金提取一次办，"
        "亲属关系证明只交一次。",
        applicant_type="natural",
        life_stage="after_death",
        guide="办理流程：医院或社区卫生服务中心签发死亡证明 → 家属在街道便民服务中心或网上一次申请 → "
        "公安、人社、民政、公积金并联办理。\n注意事项：户口应在1个月内注销。",
        members=[
            member(N["居民死亡医学证明（推断）书签发"]),
            member(N["户口注销（死亡）"]),
            member(N["丧葬补助金和抚恤金申领"], required=False, note="逝者参加职工养老保险的"),
            member(N["惠民殡葬补贴申领"]),
            member(N["住房公积金提取（死亡或被宣告死亡）"], required=False, note="逝者缴存住房公积金的"),
        ],
        situations=[
            question(
                "逝者是否参加了职工养老保险？", "", choice("是", includes=(N["丧葬补助金和抚恤金申领"],)), choice("否")
            ),
            question(
                "逝者是否缴存过住房公积金？",
                "",
                choice("是", includes=(N["住房公积金提取（死亡或被宣告死亡）"],)),
                choice("否"),
            ),
        ],
        fields=[
            shared_as(
                "逝者姓名",
                {
                    "户口注销（死亡）": "逝者姓名",
                    "丧葬补助金和抚恤金申领": "死者姓名",
                    "惠民殡葬补贴申领": "死者姓名",
                    "住房公积金提取（死亡或被宣告死亡）": "逝者姓名",
                },
            ),
            shared_as(
                "申请人姓名",
                {
                    "户口注销（死亡）": "申报人姓名",
                    "丧葬补助金和抚恤金申领": "申领人姓名",
                    "惠民殡葬补贴申领": "申领人姓名",
                    "住房公积金提取（死亡或被宣告死亡）": "继承人姓名",
                },
            ),
        ],
    ),
]

# ------------------------------------------------------------------ the two life-cycle trees

CTR, NEAR, DEPT, ONL = "centre", "nearby", "department", "online"


def ev(stage: str, theme: str, name: str, place: str, *, bundle: str = "", item: str = "") -> dict[str, Any]:
    """A life event leading to a bundle (by code) or an item (by key of ``C`` or new item name)."""
    return {
        "stage": stage,
        "theme": theme,
        "name": name,
        "place": place,
        "bundle_code": bundle,
        "item_code": _code(item) if item else "",
    }


LIFE_EVENTS: list[dict[str, Any]] = [
    # ---------------- 个人: 出生
    ev("birth", "宝宝出生", "宝宝出生了", NEAR, bundle="newborn"),
    ev("birth", "宝宝出生", "开出生医学证明", DEPT, item="birth_cert"),
    ev("birth", "宝宝出生", "办预防接种证", NEAR, item="vaccination"),
    ev("birth", "落户参保", "给宝宝上户口", NEAR, item="birth_hukou"),
    ev("birth", "落户参保", "给宝宝办医保", ONL, item="新生儿城乡居民基本医疗保险参保登记"),
    ev("birth", "生育待遇", "领生育津贴", ONL, item="maternity_allowance"),
    # ---------------- 成长教育
    ev("education", "证件办理", "第一次办身份证", NEAR, item="id_card"),
    ev("education", "证件办理", "随迁子女办居住证", NEAR, item="residence_permit"),
    ev("education", "毕业", "毕业存档案", CTR, item="archive"),
    ev("education", "毕业", "开无犯罪记录证明", ONL, item="no_crime"),
    # ---------------- 就业创业
    ev("work", "找工作", "失业了登记领补助", ONL, item="unemployment"),
    ev("work", "找工作", "办就业创业证", NEAR, item="employment_card"),
    ev("work", "社保与工伤", "灵活就业交社保", ONL, item="flexible_insurance"),
    ev("work", "社保与工伤", "换工作转社保", ONL, item="pension_transfer"),
    ev("work", "创业与退役", "开个体店", ONL, item="individual"),
    ev("work", "创业与退役", "开一家餐馆", CTR, bundle="open-restaurant"),
    ev("work", "创业与退役", "当兵回来报到", NEAR, bundle="veteran"),
    ev("work", "社保与工伤", "工作受伤认定工伤", DEPT, item="injury"),
    # ---------------- 婚育
    ev("family", "结婚", "我们要结婚", DEPT, bundle="marriage"),
    ev("family", "结婚", "补领结婚证", DEPT, item="marriage_reissue"),
    ev("family", "生育", "生育登记", ONL, item="birth_registration"),
    ev("family", "离婚", "协议离婚", DEPT, item="divorce"),
    # ---------------- 安居
    ev("home", "租房", "租房备案", ONL, item="rental_record"),
    ev("home", "租房", "提公积金付房租", ONL, item="fund_rent"),
    ev("home", "租房", "申请公租房", NEAR, item="public_rental"),
    ev("home", "买房落户", "二手房过户", CTR, item="house_transfer"),
    ev("home", "买房落户", "提公积金买房", CTR, item="fund_buy"),
    ev("home", "买房落户", "公积金贷款", CTR, item="fund_loan"),
    ev("home", "买房落户", "户口迁入", DEPT, item="hukou_move"),
    ev("home", "扶残助困", "家里有残疾人", NEAR, bundle="disability"),
    ev("home", "扶残助困", "申请低保", NEAR, item="dibao"),
    # ---------------- 退休养老
    ev("retirement", "退休", "我要退休了", NEAR, bundle="retirement"),
    ev("retirement", "退休", "退休提公积金", CTR, item="fund_retire"),
    ev("retirement", "看病", "到外地养老看病", ONL, item="remote_medical"),
    ev("retirement", "看病", "认定门诊慢特病", CTR, item="chronic"),
    ev("retirement", "看病", "住院费报销", CTR, item="hospital_claim"),
    # ---------------- 身后
    ev("after_death", "亲人离世", "家人去世了", NEAR, bundle="after-death"),
    ev("after_death", "亲人离世", "开死亡证明", DEPT, item="居民死亡医学证明（推断）书签发"),
    ev("after_death", "善后待遇", "领丧葬费和抚恤金", NEAR, item="丧葬补助金和抚恤金申领"),
    ev("after_death", "善后待遇", "领殡葬补贴", NEAR, item="惠民殡葬补贴申领"),
    ev("after_death", "善后待遇", "提取逝者公积金", CTR, item="住房公积金提取（死亡或被宣告死亡）"),
    # ---------------- 企业: 设立
    ev("founding", "开办企业", "开一家公司", CTR, bundle="open-company"),
    ev("founding", "开办企业", "刻公章", ONL, item="seal"),
    ev("founding", "开办企业", "领发票", ONL, item="invoice"),
    ev("founding", "个体经营", "开个体店", ONL, item="individual"),
    ev("founding", "用工参保", "单位社保登记", ONL, item="employer_insurance"),
    ev("founding", "用工参保", "单位公积金开户", ONL, item="fund_account"),
    # ---------------- 准营
    ev("permits", "餐饮零售", "开餐饮店", CTR, bundle="open-restaurant"),
    ev("permits", "餐饮零售", "开超市", CTR, bundle="open-supermarket"),
    ev("permits", "餐饮零售", "只卖预包装食品", ONL, item="prepacked"),
    ev("permits", "医药卫生", "开药店", CTR, bundle="open-pharmacy"),
    ev("permits", "医药卫生", "开诊所", CTR, item="clinic"),
    ev("permits", "生活服务", "开宾馆、理发店", CTR, item="public_hygiene"),
    ev("permits", "生活服务", "开人力资源公司", CTR, item="hr_licence"),
    # ---------------- 经营
    ev("operating", "税费与用工", "登记一般纳税人", ONL, item="vat"),
    ev("operating", "税费与用工", "外地经营报告", CTR, item="cross_region_tax"),
    ev("operating", "税费与用工", "开完税证明", ONL, item="tax_cert"),
    ev("operating", "税费与用工", "调整公积金基数", ONL, item="fund_base"),
    ev("operating", "设备、环保与建设", "电梯锅炉登记", DEPT, item="special_equipment"),
    ev("operating", "设备、环保与建设", "办排污许可", CTR, item="pollution"),
    ev("operating", "设备、环保与建设", "开工建房", CTR, item="construction_permit"),
    # ---------------- 变更
    ev("changes", "信息变更", "改名称、换法人、搬地址", CTR, item="company_change"),
    ev("changes", "信息变更", "税务信息变更", ONL, item="tax_change"),
    ev("changes", "融资", "股权出质", ONL, item="pledge"),
    ev("changes", "融资", "不动产抵押", ONL, item="mortgage"),
    # ---------------- 注销
    ev("closing", "企业注销", "关闭公司", ONL, item="company_close"),
    ev("closing", "企业注销", "清税证明", CTR, item="tax_clear"),
]


# ------------------------------------------------------------------ the loader


@dataclass
class Loaded:
    items: ImportResult
    bundles: ImportResult
    events_created: int


def _summary(r: Loaded) -> str:
    return (
        f"一件事：新增事项 {len(r.items.created)} 项（修订 {len(r.items.revised)} 项），"
        f"新增一件事 {len(r.bundles.created)} 件（修订 {len(r.bundles.revised)} 件，"
        f"未变化 {len(r.bundles.unchanged)} 件），新增生命周期事件 {r.events_created} 个"
    )


@demo_loader(order=12, summary=_summary)
@transaction.atomic
def load() -> Loaded:
    """The bundles' departments and items, the bundles (published) and both life-cycle trees;
    idempotent: unchanged items and bundles keep their version, events are upserted."""
    from govhall.catalog import services
    from govhall.catalog.models import TREE_OF, LifeEvent

    for dep in DEPARTMENTS:
        services.department_upsert(
            code=dep["code"],
            name=dep["name"],
            region_code=dep["region"],
            short_name=dep["short_name"],
            phone=dep["phone"],
            order=dep["order"],
        )
    items = services.catalog_import(ITEMS)
    bundles = services.bundle_import(BUNDLES)
    created = 0
    order: dict[tuple[str, str], int] = {}
    for event in LIFE_EVENTS:
        key = (event["stage"], event["theme"])
        order[key] = order.get(key, 0) + 1
        _, made = LifeEvent.objects.update_or_create(
            tree=TREE_OF[event["stage"]],
            stage=event["stage"],
            theme=event["theme"],
            name=event["name"],
            defaults={
                "order": order[key],
                "place": event["place"],
                "bundle_code": event["bundle_code"],
                "item_code": event["item_code"],
            },
        )
        created += made
    return Loaded(items=items, bundles=bundles, events_created=created)

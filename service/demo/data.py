"""The demo data set: Wangjiang subdistrict's 5th and 6th 民生实事公益众筹会, as plain Python.

Built from the subdistrict's 2018 work report (``shared/seed/wangjiang-2018-work-report.txt``):
the 5th event (2017) raised just over ¥2.03 million and completed 23 projects; the 6th (2018) is
run with a third-party social organization. Projects follow the report; budgets, donors,
pledges and payments are invented. Every company and person here is fictional: enterprise codes
are synthetic (organization code body ``WJDM….``) but carry valid GB 32100 / GB 11714 check
characters, and e-mail addresses use the reserved ``example.com`` domain.

Amounts are integer fen. Nothing here touches a database; loaders turn these seeds into rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

__all__ = [
    "DONORS",
    "EVENTS",
    "ORGS",
    "BudgetLineSeed",
    "DonorSeed",
    "EventSeed",
    "OrgSeed",
    "PaymentSeed",
    "PledgeSeed",
    "ProjectSeed",
    "donor",
    "event_seed",
    "org",
]


@dataclass(frozen=True)
class OrgSeed:
    key: str
    name: str
    kind: str  # "community" | "social_org" | "enterprise" | "government"
    uscc: str | None = None
    contact: str = ""


@dataclass(frozen=True)
class BudgetLineSeed:
    item: str
    amount_fen: int
    kind: str  # "equipment" | "construction" | "service" | "operation" | "other"


@dataclass(frozen=True)
class ProjectSeed:
    key: str
    title: str
    summary: str
    community: str  # a community's name, e.g. "徐家埠社区"
    owner_org: str  # OrgSeed.key
    category: str  # "elderly_care" | "health" | "accessibility" | "community_space" |
    # "fire_safety" | "environment" | "education" | "other"
    beneficiaries: str
    implementer: str
    budget: tuple[BudgetLineSeed, ...]
    minimum_fen: int | None = None
    status: str = "completed"

    @property
    def target_fen(self) -> int:
        """A project's target is the sum of its budget lines."""
        return sum(line.amount_fen for line in self.budget)


@dataclass(frozen=True)
class DonorSeed:
    key: str
    kind: str  # "individual" | "enterprise"
    display_name: str
    email: str | None
    receipt_title: str
    uscc: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class PaymentSeed:
    provider: str  # "bank" | "cash"
    amount_fen: int
    reference: str
    paid_on: datetime.date


@dataclass(frozen=True)
class PledgeSeed:
    key: str
    donor: str  # DonorSeed.key
    project: str | None  # ProjectSeed.key; None = the event's general fund
    amount_fen: int
    channel: str  # "online" | "on_stage" | "bank_transfer" | "cash"
    pledged_on: datetime.date
    payments: tuple[PaymentSeed, ...]

    @property
    def paid_fen(self) -> int:
        return sum(payment.amount_fen for payment in self.payments)


@dataclass(frozen=True)
class EventSeed:
    number: int
    title: str
    held_on: datetime.date
    venue: str
    pledge_opens: datetime.date
    pledge_closes: datetime.date
    status: str
    projects: tuple[ProjectSeed, ...]
    pledges: tuple[PledgeSeed, ...]
    summary: str = ""
    operator: str | None = None  # OrgSeed.key of the organization running the edition


_D = datetime.date
_L = BudgetLineSeed
_VENUE = "望江街道市民活动中心多功能厅"
_SOCIAL_ORG = "上城区望江公益服务中心"

# --- organizations ------------------------------------------------------------------------

_COMMUNITIES = (
    ("xujiabu", "徐家埠社区"),
    ("qingtaimen", "清泰门社区"),
    ("jinjiang_xiyuan", "近江西园社区"),
    ("datongqiao", "大通桥社区"),
    ("shibanqiao", "始版桥社区"),
    ("jinjiang_dongyuan", "近江东园社区"),
    ("jinjiang_nanyuan", "近江南园社区"),
    ("shuixiang", "水湘社区"),
    ("xintang", "新塘社区"),
    ("jinjiang_jiayuan", "近江家园社区"),
    ("wujiang", "婺江社区"),
)

ORGS: tuple[OrgSeed, ...] = (
    OrgSeed(
        key="wangjiang",
        name="杭州市上城区人民政府望江街道办事处",
        kind="government",
        uscc="11330102WJDM0201XH",
        contact="街道社会事务科",
    ),
    OrgSeed(
        key="wangjiang_gongyi",
        name=_SOCIAL_ORG,
        kind="social_org",
        uscc="52330102WJDM01017Y",
        contact="项目部",
    ),
    OrgSeed(
        key="wangjiang_yiyang",
        name="上城区望江颐养服务中心",
        kind="social_org",
        uscc="52330102WJDM01025R",
        contact="服务部",
    ),
    OrgSeed(
        key="wangjiang_volunteers",
        name="上城区望江志愿者协会",
        kind="social_org",
        uscc="51330102WJDM01033P",
        contact="秘书处",
    ),
    OrgSeed(
        key="anlin_fire",
        name="杭州安邻消防设备有限公司",
        kind="enterprise",
        uscc="91330102WJDM00161Y",
        contact="工程部",
    ),
    OrgSeed(
        key="jiangcheng_lift",
        name="杭州江城电梯工程有限公司",
        kind="enterprise",
        uscc="91330102WJDM0017XN",
        contact="加装电梯项目组",
    ),
    *(
        OrgSeed(key=key, name=name, kind="community", contact="社区居委会")
        for key, name in _COMMUNITIES
    ),
)

# --- donors -------------------------------------------------------------------------------


def _company(key: str, name: str, uscc: str, email: str | None) -> DonorSeed:
    return DonorSeed(
        key=key, kind="enterprise", display_name=name, email=email, receipt_title=name, uscc=uscc
    )


def _person(key: str, name: str, email: str | None, *, anonymous: bool = False) -> DonorSeed:
    return DonorSeed(
        key=key,
        kind="individual",
        display_name="爱心人士" if anonymous else name,
        email=email,
        receipt_title=name,
        anonymous=anonymous,
    )


DONORS: tuple[DonorSeed, ...] = (
    _company(
        "ent_zhihui", "杭州望江智汇科技有限公司", "91330102WJDM00014D", "csr@zhihui.example.com"
    ),
    _company(
        "ent_shulian",
        "杭州江城数联信息技术有限公司",
        "91330102WJDM000228",
        "gongyi@shulian.example.com",
    ),
    _company(
        "ent_lvneng",
        "浙江钱塘绿能投资管理有限公司",
        "91330102WJDM000303",
        "office@lvneng.example.com",
    ),
    _company(
        "ent_qingchuang",
        "杭州婺江青创孵化器管理有限公司",
        "91330102WJDM000490",
        "hello@qingchuang.example.com",
    ),
    _company(
        "ent_wuye", "杭州近江物业服务有限公司", "91330102WJDM00057T", "service@jjwy.example.com"
    ),
    _company("ent_canyin", "杭州清泰门餐饮管理有限公司", "91330102WJDM00065M", None),
    _company(
        "ent_jianshe", "杭州始版桥建设工程有限公司", "91330102WJDM00073G", "admin@sbqjs.example.com"
    ),
    _company(
        "ent_waibao", "浙江上城金融服务外包有限公司", "91330102WJDM00081B", "hr@waibao.example.com"
    ),
    _company(
        "ent_yiyao", "杭州新塘医药连锁有限公司", "91330102WJDM0009X3", "gongyi@xtyy.example.com"
    ),
    _company("ent_shangmao", "杭州大通桥商贸有限公司", "91330102WJDM00102U", None),
    _company(
        "ent_dianshang", "杭州望秋电子商务有限公司", "91330102WJDM00110N", "csr@wangqiu.example.com"
    ),
    _company(
        "ent_chuanmei", "杭州水湘文化传媒有限公司", "91330102WJDM00129K", "info@sxcm.example.com"
    ),
    _company("ent_zhiye", "杭州望江新城置业有限公司", "91330102WJDM00137E", "csr@wjxc.example.com"),
    _company("ent_dianqi", "杭州徐家埠电气安装有限公司", "91330102WJDM001459", None),
    _company(
        "ent_qiche", "杭州海潮路汽车服务有限公司", "91330102WJDM001534", "service@hclqc.example.com"
    ),
    _company(
        "ent_yungu",
        "杭州众创云谷网络科技有限公司",
        "91330102WJDM00188N",
        "gongyi@yungu.example.com",
    ),
    _person("ind_wang_jianguo", "王建国", "wangjianguo@example.com"),
    _person("ind_li_xiuying", "李秀英", None),
    _person("ind_zhang_wei", "张伟", "zhangwei.hz@example.com"),
    _person("ind_liu_fang", "刘芳", "liufang@example.com"),
    _person("ind_chen_zhiqiang", "陈志强", "chenzq@example.com"),
    _person("ind_yang_lihua", "杨丽华", None),
    _person("ind_zhao_min", "赵敏", "zhaomin@example.com"),
    _person("ind_huang_haitao", "黄海涛", "huanghaitao@example.com"),
    _person("ind_zhou_ting", "周婷", "zhouting@example.com"),
    _person("ind_wu_guoping", "吴国平", None),
    _person("ind_xu_fengying", "徐凤英", None),
    _person("ind_sun_lixin", "孙立新", "sunlixin@example.com"),
    _person("ind_hu_xiaoyan", "胡晓燕", "huxiaoyan@example.com"),
    _person("ind_zhu_minghua", "朱明华", None),
    _person("ind_gao_jianhua", "高建华", "gaojianhua@example.com"),
    _person("ind_lin_xuemei", "林雪梅", "linxuemei@example.com"),
    _person("ind_he_yongkang", "何永康", None),
    _person("ind_guo_shuzhen", "郭淑珍", None),
    _person("ind_ma_junjie", "马俊杰", "majunjie@example.com"),
    _person("ind_luo_yulan", "罗玉兰", None),
    _person("ind_liang_wenbin", "梁文斌", "liangwenbin@example.com"),
    _person("ind_song_jiayi", "宋佳怡", "songjiayi@example.com"),
    _person("ind_zheng_guoqing", "郑国庆", None, anonymous=True),
    _person("ind_xie_guifang", "谢桂芳", None, anonymous=True),
    _person("ind_qian_wenhua", "钱文华", "qianwenhua@example.com", anonymous=True),
)

# --- the 5th event (2017): 23 projects, all completed ---------------------------------------

_WJ5_PROJECTS: tuple[ProjectSeed, ...] = (
    ProjectSeed(
        key="wj5-xjb-health-station",
        title="徐家埠社区卫生服务站设备配置",
        summary="为新建的徐家埠社区卫生服务站配置全科诊疗、中医理疗和药品冷藏设备，"
        "改造诊室与候诊区，让居民在家门口看病配药。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="health",
        beneficiaries="徐家埠社区及周边约1.2万名居民",
        implementer="徐家埠社区卫生服务站",
        budget=(
            _L("全科诊疗设备（心电图机、血压血糖监测仪等）", 8_210_000, "equipment"),
            _L("中医理疗设备", 3_280_000, "equipment"),
            _L("诊室及候诊区装修", 4_860_000, "construction"),
            _L("药品冷藏柜与信息化终端", 1_970_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-xjb-canteen",
        title="徐家埠社区老年食堂",
        summary="建设徐家埠社区老年食堂，购置厨房设备、改造就餐区，"
        "并为高龄、困难老人提供首年助餐补贴。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="elderly_care",
        beneficiaries="社区60周岁以上老人约900人，其中高龄、困难老人约150人",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("厨房设备", 5_840_000, "equipment"),
            _L("就餐区改造", 3_620_000, "construction"),
            _L("餐桌椅", 980_000, "equipment"),
            _L("高龄及困难老人首年助餐补贴", 1_800_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-qtm-canteen",
        title="清泰门社区老年食堂",
        summary="利用社区用房改建老年食堂，配置厨房与消毒设备和送餐车，为行动不便的老人送餐上门。",
        community="清泰门社区",
        owner_org="qingtaimen",
        category="elderly_care",
        beneficiaries="社区60周岁以上老人约750人",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("厨房设备", 5_260_000, "equipment"),
            _L("场地改造", 3_040_000, "construction"),
            _L("餐桌椅与消毒柜", 890_000, "equipment"),
            _L("送餐保温箱及电动送餐车", 1_280_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-jjxy-canteen",
        title="近江西园社区老年食堂",
        summary="建设近江西园社区老年食堂，解决老年居民特别是独居老人的日常就餐难题。",
        community="近江西园社区",
        owner_org="jinjiang_xiyuan",
        category="elderly_care",
        beneficiaries="社区60周岁以上老人约680人",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("厨房设备", 4_980_000, "equipment"),
            _L("场地改造", 3_470_000, "construction"),
            _L("餐桌椅", 760_000, "equipment"),
            _L("独居及困难老人首年助餐补贴", 1_500_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-xjb-care-centre",
        title="徐家埠社区居家养老服务照料中心设施",
        summary="为照料中心引进康复理疗器材、专用护理设施及生活设备，完成场地适老化改造。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="elderly_care",
        beneficiaries="社区失能、半失能及高龄老人约200人",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("康复理疗器材", 6_580_000, "equipment"),
            _L("专用护理设施（护理床、移位机、助浴椅）", 4_530_000, "equipment"),
            _L("生活设备（空调、洗衣机、适老家具）", 2_760_000, "equipment"),
            _L("场地适老化改造", 3_820_000, "construction"),
        ),
    ),
    ProjectSeed(
        key="wj5-xjb-shuangshi-care",
        title="“双失”老人照料服务",
        summary="依托徐家埠社区居家养老服务照料中心，为失能、失智（“双失”）老人提供上门照护、"
        "紧急呼叫和助医陪诊服务。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="elderly_care",
        beneficiaries="“双失”老人12户",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("上门照护服务（12户×12个月）", 4_320_000, "service"),
            _L("紧急呼叫终端", 600_000, "equipment"),
            _L("助医陪诊服务", 960_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-lift-jjxy",
        title="老旧住宅加装电梯试点（近江西园12幢2单元）",
        summary="加装电梯试点楼道之一。众筹资金用于井道土建与管线迁移等公共部分并补助设备款，"
        "其余由居民自筹和政府补贴。",
        community="近江西园社区",
        owner_org="jinjiang_xiyuan",
        category="accessibility",
        beneficiaries="该单元住户12户，其中70岁以上老人9人",
        implementer="杭州江城电梯工程有限公司",
        budget=(
            _L("井道结构与土建", 6_800_000, "construction"),
            _L("管线迁移", 2_150_000, "construction"),
            _L("电梯设备补助", 4_000_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-lift-jjdy",
        title="老旧住宅加装电梯试点（近江东园5幢1单元）",
        summary="加装电梯试点楼道之一，解决高楼层老年居民出行难。",
        community="近江东园社区",
        owner_org="jinjiang_dongyuan",
        category="accessibility",
        beneficiaries="该单元住户14户，其中70岁以上老人8人",
        implementer="杭州江城电梯工程有限公司",
        budget=(
            _L("井道结构与土建", 7_120_000, "construction"),
            _L("管线迁移", 1_890_000, "construction"),
            _L("电梯设备补助", 4_000_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-lift-jjny",
        title="老旧住宅加装电梯试点（近江南园3幢3单元）",
        summary="加装电梯试点楼道之一，年底前完工并投入使用。",
        community="近江南园社区",
        owner_org="jinjiang_nanyuan",
        category="accessibility",
        beneficiaries="该单元住户12户，其中行动不便老人6人",
        implementer="杭州江城电梯工程有限公司",
        budget=(
            _L("井道结构与土建", 6_500_000, "construction"),
            _L("管线迁移", 2_340_000, "construction"),
            _L("电梯设备补助", 4_000_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-xjb-neighbourhood",
        title="徐家埠社区邻里中心（一期）共享客厅",
        summary="把社区闲置用房改造成居民共享客厅，配置共享工具箱、自助便民终端，"
        "为邻里活动和便民服务提供场所。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="community_space",
        beneficiaries="徐家埠社区全体居民约4300户",
        implementer="徐家埠社区居委会",
        budget=(
            _L("共享客厅改造", 7_200_000, "construction"),
            _L("家具与活动设备", 2_650_000, "equipment"),
            _L("共享工具箱与自助便民终端", 1_480_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-dtq-neighbourhood",
        title="大通桥社区邻里中心（一期）多功能活动室",
        summary="改造多功能活动室，支持社区文体团队活动和邻里议事。",
        community="大通桥社区",
        owner_org="datongqiao",
        category="community_space",
        beneficiaries="大通桥社区居民约3100户",
        implementer="大通桥社区居委会",
        budget=(
            _L("多功能活动室改造", 6_350_000, "construction"),
            _L("音响、投影及活动设备", 2_130_000, "equipment"),
            _L("社团活动运营（一年）", 1_200_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-micro-fire-stations",
        title="社区微型消防工作站装备配置",
        summary="为各社区微型消防工作站配置灭火防护与救援装备、消防巡逻电动车和器材柜。",
        community="望江街道",
        owner_org="wangjiang",
        category="fire_safety",
        beneficiaries="街道11个社区居民",
        implementer="杭州安邻消防设备有限公司",
        budget=(
            _L("消防灭火防护及救援装备（40套）", 5_800_000, "equipment"),
            _L("消防巡逻电动车（8辆）", 3_360_000, "equipment"),
            _L("器材柜及站点标识", 940_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-ev-charging",
        title="电动车智能充电点建设",
        summary="在老旧小区建设15处电动自行车智能充电点，杜绝“飞线”充电和楼道充电。",
        community="望江街道",
        owner_org="wangjiang",
        category="fire_safety",
        beneficiaries="老旧小区电动自行车车主约1500人",
        implementer="杭州安邻消防设备有限公司",
        budget=(
            _L("智能充电插座（360只）", 4_968_000, "equipment"),
            _L("雨棚与线路敷设", 2_730_000, "construction"),
            _L("充电平台运营（一年）", 600_000, "operation"),
        ),
    ),
    ProjectSeed(
        key="wj5-smoke-alarms",
        title="独居老人及出租房烟感报警器安装",
        summary="为独居老人家庭和出租房安装独立式光电烟感报警器1200个。",
        community="望江街道",
        owner_org="wangjiang",
        category="fire_safety",
        beneficiaries="独居老人及出租房住户约1200户",
        implementer="杭州安邻消防设备有限公司",
        budget=(
            _L("独立式光电烟感报警器（1200个）", 6_960_000, "equipment"),
            _L("上门安装服务", 1_440_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-extinguishers",
        title="老旧小区楼道灭火器配置",
        summary="新购灭火器378个、充装灭火器223个，增配水枪、水带、软梯等器材。",
        community="望江街道",
        owner_org="wangjiang",
        category="fire_safety",
        beneficiaries="老旧小区住户约5000户",
        implementer="杭州安邻消防设备有限公司",
        budget=(
            _L("新购灭火器（378个）", 3_213_000, "equipment"),
            _L("灭火器充装（223个）", 780_500, "service"),
            _L("水枪、水带、软梯等器材（75件）", 1_125_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-sbq-dengue",
        title="始版桥社区登革热防控与环境清理",
        summary="配合登革热防控，清理楼道堆积物和微积水体，开展消杀并印发防控宣传材料。",
        community="始版桥社区",
        owner_org="shibanqiao",
        category="health",
        beneficiaries="始版桥社区居民约2600户",
        implementer="始版桥社区居委会",
        budget=(
            _L("灭蚊灭幼设备", 1_280_000, "equipment"),
            _L("积水清理与消杀服务", 1_860_000, "service"),
            _L("防控宣传材料印制", 189_500, "other"),
        ),
    ),
    ProjectSeed(
        key="wj5-wj-health-hut",
        title="婺江社区健康小屋",
        summary="设立健康小屋，配置自助体检一体机，开展慢性病自我管理服务。",
        community="婺江社区",
        owner_org="wujiang",
        category="health",
        beneficiaries="婺江社区居民，重点为慢性病患者约400人",
        implementer="婺江社区居委会",
        budget=(
            _L("自助体检一体机", 3_800_000, "equipment"),
            _L("场地改造", 950_000, "construction"),
            _L("慢病自我管理服务", 600_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-xt-accessibility",
        title="新塘社区无障碍坡道与楼道扶手",
        summary="在单元出入口建设无障碍坡道12处，为36个单元加装楼道扶手。",
        community="新塘社区",
        owner_org="xintang",
        category="accessibility",
        beneficiaries="新塘社区老年人和残疾人约520人",
        implementer="杭州始版桥建设工程有限公司",
        budget=(
            _L("无障碍坡道（12处）", 3_120_000, "construction"),
            _L("楼道扶手（36个单元）", 2_592_000, "construction"),
            _L("无障碍标识", 180_000, "other"),
        ),
    ),
    ProjectSeed(
        key="wj5-sx-afterschool",
        title="水湘社区“四点半课堂”",
        summary="为双职工家庭小学生开设放学后托管课堂，志愿者辅导作业、开展兴趣课程。",
        community="水湘社区",
        owner_org="shuixiang",
        category="education",
        beneficiaries="社区小学生约60人",
        implementer="上城区望江志愿者协会",
        budget=(
            _L("场地布置", 860_000, "construction"),
            _L("图书与学具", 640_000, "equipment"),
            _L("志愿辅导与课程服务", 1_600_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-jjny-reading",
        title="近江南园社区书香驿站",
        summary="建设社区书香驿站，添置图书2000册和自助借阅系统。",
        community="近江南园社区",
        owner_org="jinjiang_nanyuan",
        category="education",
        beneficiaries="近江南园社区居民约2800户",
        implementer="近江南园社区居委会",
        budget=(
            _L("书架、阅览桌椅", 1_230_000, "equipment"),
            _L("图书（2000册）", 1_800_000, "equipment"),
            _L("自助借阅系统", 520_000, "equipment"),
        ),
    ),
    ProjectSeed(
        key="wj5-jjjy-emergency-call",
        title="近江家园社区高龄独居老人紧急呼叫",
        summary="为80户高龄独居老人安装紧急呼叫终端，接入24小时响应平台。",
        community="近江家园社区",
        owner_org="jinjiang_jiayuan",
        category="elderly_care",
        beneficiaries="高龄独居老人80户",
        implementer="上城区望江颐养服务中心",
        budget=(
            _L("紧急呼叫终端（80台）", 3_360_000, "equipment"),
            _L("响应平台服务（一年）", 480_000, "operation"),
            _L("上门安装", 240_000, "service"),
        ),
    ),
    ProjectSeed(
        key="wj5-patrol-equipment",
        title="平安巡防志愿者装备",
        summary="为平安巡防志愿者配置对讲机、反光背心、袖章和手电，设置巡防岗亭。",
        community="望江街道",
        owner_org="wangjiang",
        category="other",
        beneficiaries="平安巡防志愿者约600人",
        implementer="上城区望江志愿者协会",
        budget=(
            _L("对讲机（60台）", 2_280_000, "equipment"),
            _L("反光背心、袖章、手电（600套）", 2_160_000, "equipment"),
            _L("巡防岗亭", 850_000, "construction"),
        ),
    ),
    ProjectSeed(
        key="wj5-qtm-stairwell-cleanup",
        title="清泰门社区楼道堆积物清理与微改造",
        summary="清理老旧小区楼道堆积物，粉刷墙面、加装信报箱和文明宣传栏，消除消防隐患。",
        community="清泰门社区",
        owner_org="qingtaimen",
        category="environment",
        beneficiaries="清泰门社区老旧小区居民约1600户",
        implementer="清泰门社区居委会",
        budget=(
            _L("楼道堆积物清运", 1_320_000, "service"),
            _L("墙面粉刷与修补", 2_460_000, "construction"),
            _L("信报箱与宣传栏", 870_000, "equipment"),
        ),
    ),
)

# --- the 6th event (2018): run with a third-party social organization -----------------------

_WJ6_PROJECTS: tuple[ProjectSeed, ...] = (
    ProjectSeed(
        key="wj6-xjb-neighbourhood",
        title="徐家埠社区示范型邻里中心（二期）",
        summary="按“3+X邻里中心”要求，把徐家埠社区建成全区示范型邻里中心：改造便民服务区，"
        "配置双语标识和共享书吧，由第三方社会组织运营一年。",
        community="徐家埠社区",
        owner_org="xujiabu",
        category="community_space",
        beneficiaries="徐家埠社区居民约4300户及辖区企业员工",
        implementer=_SOCIAL_ORG,
        budget=(
            _L("便民服务区改造", 9_600_000, "construction"),
            _L("国际化社区服务设施（双语标识、共享书吧）", 3_200_000, "equipment"),
            _L("邻里中心运营（一年）", 4_800_000, "operation"),
        ),
        minimum_fen=12_000_000,
        status="published",
    ),
    ProjectSeed(
        key="wj6-dtq-neighbourhood",
        title="大通桥社区示范型邻里中心（二期）",
        summary="把大通桥社区打造成多功能国际化社区邻里中心，为居民提供服务和自由活动空间。",
        community="大通桥社区",
        owner_org="datongqiao",
        category="community_space",
        beneficiaries="大通桥社区居民约3100户",
        implementer=_SOCIAL_ORG,
        budget=(
            _L("邻里服务空间改造", 8_400_000, "construction"),
            _L("活动与便民设备", 2_900_000, "equipment"),
            _L("邻里中心运营（一年）", 4_800_000, "operation"),
        ),
        minimum_fen=11_000_000,
        status="published",
    ),
    ProjectSeed(
        key="wj6-lift-jjxy",
        title="老旧小区加装电梯（近江西园8幢1单元）",
        summary="继续做好老旧小区电梯加装，众筹资金用于土建、管线迁移并补助设备款。",
        community="近江西园社区",
        owner_org="jinjiang_xiyuan",
        category="accessibility",
        beneficiaries="该单元住户12户，其中70岁以上老人7人",
        implementer="杭州江城电梯工程有限公司",
        budget=(
            _L("井道结构与土建", 6_900_000, "construction"),
            _L("管线迁移", 2_200_000, "construction"),
            _L("电梯设备补助", 4_000_000, "equipment"),
        ),
        status="published",
    ),
    ProjectSeed(
        key="wj6-lift-xt",
        title="老旧小区加装电梯（新塘6幢2单元）",
        summary="为新塘社区一处多层住宅楼道加装电梯，解决高楼层老人上下楼难。",
        community="新塘社区",
        owner_org="xintang",
        category="accessibility",
        beneficiaries="该单元住户14户，其中行动不便老人5人",
        implementer="杭州江城电梯工程有限公司",
        budget=(
            _L("井道结构与土建", 7_050_000, "construction"),
            _L("管线迁移", 2_050_000, "construction"),
            _L("电梯设备补助", 4_000_000, "equipment"),
        ),
        status="published",
    ),
    ProjectSeed(
        key="wj6-qtm-waste-sorting",
        title="清泰门社区垃圾分类科普宣传基地",
        summary="在社区建设垃圾分类科普宣传基地，配置智能分类回收设备，"
        "开展科普活动，提升居民知晓率。",
        community="清泰门社区",
        owner_org="qingtaimen",
        category="environment",
        beneficiaries="清泰门社区居民及辖区中小学生",
        implementer=_SOCIAL_ORG,
        budget=(
            _L("科普展陈布置", 2_600_000, "construction"),
            _L("智能分类回收设备", 3_400_000, "equipment"),
            _L("垃圾分类科普活动（12场）", 960_000, "service"),
        ),
        status="published",
    ),
    ProjectSeed(
        key="wj6-jjjy-fire-safe-community",
        title="近江家园社区消防安全社区创建",
        summary="“以防带消”：开展专题式消防培训和聚焦式疏散演练，为住户配发家庭消防应急包。",
        community="近江家园社区",
        owner_org="jinjiang_jiayuan",
        category="fire_safety",
        beneficiaries="近江家园社区居民约2000户及沿街店铺",
        implementer=_SOCIAL_ORG,
        budget=(
            _L("消防专题培训（24场）", 720_000, "service"),
            _L("疏散逃生演练", 480_000, "service"),
            _L("家庭消防应急包（500个）", 6_000_000, "equipment"),
        ),
        status="published",
    ),
    ProjectSeed(
        key="wj6-sx-charging-alarms",
        title="水湘社区智能充电桩与烟感报警器加装",
        summary="加装电动自行车智能充电插座240只、烟感报警器600个，消除楼道充电隐患。",
        community="水湘社区",
        owner_org="shuixiang",
        category="fire_safety",
        beneficiaries="水湘社区居民约1800户",
        implementer="杭州安邻消防设备有限公司",
        budget=(
            _L("智能充电插座（240只）", 3_312_000, "equipment"),
            _L("烟感报警器（600个）", 3_480_000, "equipment"),
            _L("安装与线路敷设", 1_080_000, "construction"),
        ),
        status="published",
    ),
    ProjectSeed(
        key="wj6-jjdy-shidu-care",
        title="近江东园社区失独老人关爱服务",
        summary="为失独老人提供结对关爱、心理疏导和节日慰问，落实“主动发现”机制。",
        community="近江东园社区",
        owner_org="jinjiang_dongyuan",
        category="elderly_care",
        beneficiaries="失独老人家庭20户",
        implementer=_SOCIAL_ORG,
        budget=(
            _L("结对关爱服务（一年）", 2_400_000, "service"),
            _L("心理疏导服务", 1_200_000, "service"),
            _L("节日慰问", 600_000, "other"),
        ),
        status="published",
    ),
)


def _pledge(
    key: str,
    donor: str,
    project: str | None,
    amount_fen: int,
    channel: str,
    pledged_on: str,
    *payments: tuple[str, int, str, str],
) -> PledgeSeed:
    """A pledge from one compact row; payments are (provider, fen, reference, paid on)."""
    return PledgeSeed(
        key=key,
        donor=donor,
        project=project,
        amount_fen=amount_fen,
        channel=channel,
        pledged_on=_D.fromisoformat(pledged_on),
        payments=tuple(
            PaymentSeed(provider, fen, reference, _D.fromisoformat(paid_on))
            for provider, fen, reference, paid_on in payments
        ),
    )


# --- pledges and payments ---------------------------------------------------------------------
# 5th event: 14 whole projects claimed on stage, the other 9 funded by several gifts, a few gifts
# to the general fund; every pledge is paid in full (claims over ¥100,000 in two instalments).
# 6th event: pledging has just opened; most pledges are unpaid or partly paid.

# fmt: off
_WJ5_PLEDGES: tuple[PledgeSeed, ...] = (
    _pledge("wj5-p001", "ent_yiyao", "wj5-xjb-health-station", 18_320_000, "on_stage",
        "2017-04-21",
        ("bank", 10_992_000, "WJ5-BANK-0001", "2017-05-12"),
        ("bank", 7_328_000, "WJ5-BANK-0002", "2017-08-18")),
    _pledge("wj5-p002", "ent_shulian", "wj5-xjb-canteen", 12_240_000, "on_stage", "2017-04-21",
        ("bank", 7_344_000, "WJ5-BANK-0003", "2017-05-12"),
        ("bank", 4_896_000, "WJ5-BANK-0004", "2017-08-18")),
    _pledge("wj5-p003", "ent_canyin", "wj5-qtm-canteen", 10_470_000, "on_stage", "2017-04-21",
        ("bank", 6_282_000, "WJ5-BANK-0005", "2017-05-12"),
        ("bank", 4_188_000, "WJ5-BANK-0006", "2017-08-18")),
    _pledge("wj5-p004", "ent_zhiye", "wj5-xjb-care-centre", 17_690_000, "on_stage", "2017-04-21",
        ("bank", 10_614_000, "WJ5-BANK-0007", "2017-05-12"),
        ("bank", 7_076_000, "WJ5-BANK-0008", "2017-08-18")),
    _pledge("wj5-p005", "ent_lvneng", "wj5-lift-jjxy", 12_950_000, "on_stage", "2017-04-21",
        ("bank", 7_770_000, "WJ5-BANK-0009", "2017-05-12"),
        ("bank", 5_180_000, "WJ5-BANK-0010", "2017-08-18")),
    _pledge("wj5-p006", "ent_zhihui", "wj5-lift-jjny", 12_840_000, "on_stage", "2017-04-21",
        ("bank", 7_704_000, "WJ5-BANK-0011", "2017-05-12"),
        ("bank", 5_136_000, "WJ5-BANK-0012", "2017-08-18")),
    _pledge("wj5-p007", "ent_dianqi", "wj5-xjb-neighbourhood", 11_330_000, "on_stage",
        "2017-04-21",
        ("bank", 6_798_000, "WJ5-BANK-0013", "2017-05-12"),
        ("bank", 4_532_000, "WJ5-BANK-0014", "2017-08-18")),
    _pledge("wj5-p008", "ent_yungu", "wj5-micro-fire-stations", 10_100_000, "on_stage",
        "2017-04-21",
        ("bank", 6_060_000, "WJ5-BANK-0015", "2017-05-12"),
        ("bank", 4_040_000, "WJ5-BANK-0016", "2017-08-18")),
    _pledge("wj5-p009", "ent_qiche", "wj5-ev-charging", 8_298_000, "on_stage", "2017-04-21",
        ("bank", 8_298_000, "WJ5-BANK-0017", "2017-05-03")),
    _pledge("wj5-p010", "ent_wuye", "wj5-extinguishers", 5_118_500, "on_stage", "2017-04-21",
        ("bank", 5_118_500, "WJ5-BANK-0018", "2017-05-03")),
    _pledge("wj5-p011", "ent_qingchuang", "wj5-wj-health-hut", 5_350_000, "on_stage", "2017-04-21",
        ("bank", 5_350_000, "WJ5-BANK-0019", "2017-05-03")),
    _pledge("wj5-p012", "ind_chen_zhiqiang", "wj5-sx-afterschool", 3_100_000, "on_stage",
        "2017-04-21",
        ("bank", 3_100_000, "WJ5-BANK-0020", "2017-05-03")),
    _pledge("wj5-p013", "ent_chuanmei", "wj5-jjjy-emergency-call", 4_080_000, "on_stage",
        "2017-04-21",
        ("bank", 4_080_000, "WJ5-BANK-0021", "2017-05-03")),
    _pledge("wj5-p014", "ent_shangmao", "wj5-patrol-equipment", 5_290_000, "on_stage",
        "2017-04-21",
        ("bank", 5_290_000, "WJ5-BANK-0022", "2017-05-03")),
    _pledge("wj5-p015", "ent_wuye", "wj5-jjxy-canteen", 5_000_000, "on_stage", "2017-04-21",
        ("bank", 5_000_000, "WJ5-BANK-0023", "2017-05-03")),
    _pledge("wj5-p016", "ind_wang_jianguo", "wj5-jjxy-canteen", 200_000, "online", "2017-03-24",
        ("bank", 200_000, "WJ5-BANK-0024", "2017-03-31")),
    _pledge("wj5-p017", "ind_li_xiuying", "wj5-jjxy-canteen", 50_000, "cash", "2017-04-21",
        ("cash", 50_000, "WJ5-CASH-0001", "2017-04-21")),
    _pledge("wj5-p018", "ind_zhou_ting", "wj5-jjxy-canteen", 100_000, "online", "2017-03-29",
        ("bank", 100_000, "WJ5-BANK-0025", "2017-04-05")),
    _pledge("wj5-p019", "ent_shangmao", "wj5-jjxy-canteen", 2_000_000, "bank_transfer",
        "2017-04-05",
        ("bank", 2_000_000, "WJ5-BANK-0026", "2017-04-17")),
    _pledge("wj5-p020", "ind_zheng_guoqing", "wj5-jjxy-canteen", 1_000_000, "bank_transfer",
        "2017-04-12",
        ("bank", 1_000_000, "WJ5-BANK-0027", "2017-04-24")),
    _pledge("wj5-p021", "ent_canyin", "wj5-jjxy-canteen", 2_360_000, "on_stage", "2017-04-21",
        ("bank", 2_360_000, "WJ5-BANK-0028", "2017-05-03")),
    _pledge("wj5-p022", "ent_waibao", "wj5-xjb-shuangshi-care", 3_000_000, "on_stage",
        "2017-04-21",
        ("bank", 3_000_000, "WJ5-BANK-0029", "2017-05-03")),
    _pledge("wj5-p023", "ind_chen_zhiqiang", "wj5-xjb-shuangshi-care", 500_000, "online",
        "2017-04-18",
        ("bank", 500_000, "WJ5-BANK-0030", "2017-04-25")),
    _pledge("wj5-p024", "ind_yang_lihua", "wj5-xjb-shuangshi-care", 200_000, "cash", "2017-04-26",
        ("cash", 200_000, "WJ5-CASH-0002", "2017-04-26")),
    _pledge("wj5-p025", "ind_huang_haitao", "wj5-xjb-shuangshi-care", 300_000, "online",
        "2017-04-25",
        ("bank", 300_000, "WJ5-BANK-0031", "2017-05-02")),
    _pledge("wj5-p026", "ind_xu_fengying", "wj5-xjb-shuangshi-care", 80_000, "cash", "2017-05-06",
        ("cash", 80_000, "WJ5-CASH-0003", "2017-05-06")),
    _pledge("wj5-p027", "ind_lin_xuemei", "wj5-xjb-shuangshi-care", 200_000, "online",
        "2017-05-03",
        ("bank", 200_000, "WJ5-BANK-0032", "2017-05-10")),
    _pledge("wj5-p028", "ent_qingchuang", "wj5-xjb-shuangshi-care", 1_600_000, "bank_transfer",
        "2017-05-10",
        ("bank", 1_600_000, "WJ5-BANK-0033", "2017-05-22")),
    _pledge("wj5-p029", "ent_jianshe", "wj5-lift-jjdy", 6_000_000, "on_stage", "2017-04-21",
        ("bank", 6_000_000, "WJ5-BANK-0034", "2017-05-03")),
    _pledge("wj5-p030", "ind_wu_guoping", "wj5-lift-jjdy", 500_000, "bank_transfer", "2017-05-17",
        ("bank", 500_000, "WJ5-BANK-0035", "2017-05-29")),
    _pledge("wj5-p031", "ind_guo_shuzhen", "wj5-lift-jjdy", 300_000, "cash", "2017-04-21",
        ("cash", 300_000, "WJ5-CASH-0004", "2017-04-21")),
    _pledge("wj5-p032", "ind_he_yongkang", "wj5-lift-jjdy", 300_000, "cash", "2017-05-13",
        ("cash", 300_000, "WJ5-CASH-0005", "2017-05-13")),
    _pledge("wj5-p033", "ind_luo_yulan", "wj5-lift-jjdy", 500_000, "bank_transfer", "2017-05-24",
        ("bank", 500_000, "WJ5-BANK-0036", "2017-06-05")),
    _pledge("wj5-p034", "ent_wuye", "wj5-lift-jjdy", 2_000_000, "bank_transfer", "2017-03-24",
        ("bank", 2_000_000, "WJ5-BANK-0037", "2017-04-05")),
    _pledge("wj5-p035", "ent_dianqi", "wj5-lift-jjdy", 3_410_000, "on_stage", "2017-04-21",
        ("bank", 3_410_000, "WJ5-BANK-0038", "2017-05-03")),
    _pledge("wj5-p036", "ent_shangmao", "wj5-dtq-neighbourhood", 5_000_000, "on_stage",
        "2017-04-21",
        ("bank", 5_000_000, "WJ5-BANK-0039", "2017-05-03")),
    _pledge("wj5-p037", "ind_sun_lixin", "wj5-dtq-neighbourhood", 100_000, "online", "2017-03-29",
        ("bank", 100_000, "WJ5-BANK-0040", "2017-04-05")),
    _pledge("wj5-p038", "ind_zhao_min", "wj5-dtq-neighbourhood", 200_000, "online", "2017-04-05",
        ("bank", 200_000, "WJ5-BANK-0041", "2017-04-12")),
    _pledge("wj5-p039", "ind_ma_junjie", "wj5-dtq-neighbourhood", 50_000, "online", "2017-04-12",
        ("bank", 50_000, "WJ5-BANK-0042", "2017-04-19")),
    _pledge("wj5-p040", "ind_song_jiayi", "wj5-dtq-neighbourhood", 20_000, "online", "2017-04-18",
        ("bank", 20_000, "WJ5-BANK-0043", "2017-04-25")),
    _pledge("wj5-p041", "ind_liang_wenbin", "wj5-dtq-neighbourhood", 300_000, "bank_transfer",
        "2017-04-25",
        ("bank", 300_000, "WJ5-BANK-0044", "2017-05-07")),
    _pledge("wj5-p042", "ent_dianshang", "wj5-dtq-neighbourhood", 4_010_000, "on_stage",
        "2017-04-21",
        ("bank", 4_010_000, "WJ5-BANK-0045", "2017-05-03")),
    _pledge("wj5-p043", "ent_zhihui", "wj5-smoke-alarms", 4_000_000, "on_stage", "2017-04-21",
        ("bank", 4_000_000, "WJ5-BANK-0046", "2017-05-03")),
    _pledge("wj5-p044", "ind_zhang_wei", "wj5-smoke-alarms", 100_000, "online", "2017-05-03",
        ("bank", 100_000, "WJ5-BANK-0047", "2017-05-10")),
    _pledge("wj5-p045", "ind_liu_fang", "wj5-smoke-alarms", 100_000, "online", "2017-05-10",
        ("bank", 100_000, "WJ5-BANK-0048", "2017-05-17")),
    _pledge("wj5-p046", "ind_xie_guifang", "wj5-smoke-alarms", 100_000, "cash", "2017-04-21",
        ("cash", 100_000, "WJ5-CASH-0006", "2017-04-21")),
    _pledge("wj5-p047", "ind_gao_jianhua", "wj5-smoke-alarms", 200_000, "online", "2017-05-17",
        ("bank", 200_000, "WJ5-BANK-0049", "2017-05-24")),
    _pledge("wj5-p048", "ind_qian_wenhua", "wj5-smoke-alarms", 1_000_000, "bank_transfer",
        "2017-05-24",
        ("bank", 1_000_000, "WJ5-BANK-0050", "2017-06-05")),
    _pledge("wj5-p049", "ent_chuanmei", "wj5-smoke-alarms", 2_900_000, "bank_transfer",
        "2017-03-24",
        ("bank", 2_900_000, "WJ5-BANK-0051", "2017-04-05")),
    _pledge("wj5-p050", "ind_hu_xiaoyan", "wj5-sbq-dengue", 50_000, "online", "2017-03-29",
        ("bank", 50_000, "WJ5-BANK-0052", "2017-04-05")),
    _pledge("wj5-p051", "ind_zhu_minghua", "wj5-sbq-dengue", 100_000, "cash", "2017-04-26",
        ("cash", 100_000, "WJ5-CASH-0007", "2017-04-26")),
    _pledge("wj5-p052", "ind_wang_jianguo", "wj5-sbq-dengue", 100_000, "online", "2017-04-05",
        ("bank", 100_000, "WJ5-BANK-0053", "2017-04-12")),
    _pledge("wj5-p053", "ent_yiyao", "wj5-sbq-dengue", 1_000_000, "bank_transfer", "2017-04-12",
        ("bank", 1_000_000, "WJ5-BANK-0054", "2017-04-24")),
    _pledge("wj5-p054", "ind_li_xiuying", "wj5-sbq-dengue", 30_000, "cash", "2017-05-06",
        ("cash", 30_000, "WJ5-CASH-0008", "2017-05-06")),
    _pledge("wj5-p055", "ent_jianshe", "wj5-sbq-dengue", 2_049_500, "bank_transfer", "2017-04-18",
        ("bank", 2_049_500, "WJ5-BANK-0055", "2017-04-30")),
    _pledge("wj5-p056", "ent_lvneng", "wj5-xt-accessibility", 3_000_000, "bank_transfer",
        "2017-04-25",
        ("bank", 3_000_000, "WJ5-BANK-0056", "2017-05-07")),
    _pledge("wj5-p057", "ind_song_jiayi", "wj5-xt-accessibility", 50_000, "online", "2017-05-03",
        ("bank", 50_000, "WJ5-BANK-0057", "2017-05-10")),
    _pledge("wj5-p058", "ind_huang_haitao", "wj5-xt-accessibility", 100_000, "online",
        "2017-05-10",
        ("bank", 100_000, "WJ5-BANK-0058", "2017-05-17")),
    _pledge("wj5-p059", "ind_guo_shuzhen", "wj5-xt-accessibility", 50_000, "cash", "2017-04-21",
        ("cash", 50_000, "WJ5-CASH-0009", "2017-04-21")),
    _pledge("wj5-p060", "ind_zheng_guoqing", "wj5-xt-accessibility", 500_000, "bank_transfer",
        "2017-05-17",
        ("bank", 500_000, "WJ5-BANK-0059", "2017-05-29")),
    _pledge("wj5-p061", "ent_waibao", "wj5-xt-accessibility", 2_192_000, "on_stage", "2017-04-21",
        ("bank", 2_192_000, "WJ5-BANK-0060", "2017-05-03")),
    _pledge("wj5-p062", "ent_chuanmei", "wj5-jjny-reading", 2_000_000, "on_stage", "2017-04-21",
        ("bank", 2_000_000, "WJ5-BANK-0061", "2017-05-03")),
    _pledge("wj5-p063", "ind_lin_xuemei", "wj5-jjny-reading", 100_000, "online", "2017-05-24",
        ("bank", 100_000, "WJ5-BANK-0062", "2017-05-31")),
    _pledge("wj5-p064", "ind_ma_junjie", "wj5-jjny-reading", 50_000, "online", "2017-03-24",
        ("bank", 50_000, "WJ5-BANK-0063", "2017-03-31")),
    _pledge("wj5-p065", "ind_zhou_ting", "wj5-jjny-reading", 50_000, "online", "2017-03-29",
        ("bank", 50_000, "WJ5-BANK-0064", "2017-04-05")),
    _pledge("wj5-p066", "ind_luo_yulan", "wj5-jjny-reading", 20_000, "cash", "2017-05-13",
        ("cash", 20_000, "WJ5-CASH-0010", "2017-05-13")),
    _pledge("wj5-p067", "ent_qingchuang", "wj5-jjny-reading", 1_330_000, "bank_transfer",
        "2017-04-05",
        ("bank", 1_330_000, "WJ5-BANK-0065", "2017-04-17")),
    _pledge("wj5-p068", "ent_canyin", "wj5-qtm-stairwell-cleanup", 1_500_000, "on_stage",
        "2017-04-21",
        ("bank", 1_500_000, "WJ5-BANK-0066", "2017-05-03")),
    _pledge("wj5-p069", "ind_yang_lihua", "wj5-qtm-stairwell-cleanup", 100_000, "cash",
        "2017-04-21",
        ("cash", 100_000, "WJ5-CASH-0011", "2017-04-21")),
    _pledge("wj5-p070", "ind_wu_guoping", "wj5-qtm-stairwell-cleanup", 50_000, "cash",
        "2017-04-26",
        ("cash", 50_000, "WJ5-CASH-0012", "2017-04-26")),
    _pledge("wj5-p071", "ind_zhao_min", "wj5-qtm-stairwell-cleanup", 100_000, "online",
        "2017-04-12",
        ("bank", 100_000, "WJ5-BANK-0067", "2017-04-19")),
    _pledge("wj5-p072", "ind_sun_lixin", "wj5-qtm-stairwell-cleanup", 100_000, "online",
        "2017-04-18",
        ("bank", 100_000, "WJ5-BANK-0068", "2017-04-25")),
    _pledge("wj5-p073", "ent_wuye", "wj5-qtm-stairwell-cleanup", 2_800_000, "bank_transfer",
        "2017-04-25",
        ("bank", 2_800_000, "WJ5-BANK-0069", "2017-05-07")),
    _pledge("wj5-p074", "ind_zhang_wei", None, 100_000, "online", "2017-05-03",
        ("bank", 100_000, "WJ5-BANK-0070", "2017-05-10")),
    _pledge("wj5-p075", "ind_xu_fengying", None, 50_000, "cash", "2017-05-06",
        ("cash", 50_000, "WJ5-CASH-0013", "2017-05-06")),
    _pledge("wj5-p076", "ind_gao_jianhua", None, 30_000, "online", "2017-05-10",
        ("bank", 30_000, "WJ5-BANK-0071", "2017-05-17")),
    _pledge("wj5-p077", "ent_dianshang", None, 500_000, "bank_transfer", "2017-05-17",
        ("bank", 500_000, "WJ5-BANK-0072", "2017-05-29")),
    _pledge("wj5-p078", "ind_song_jiayi", None, 200_000, "online", "2017-05-24",
        ("bank", 200_000, "WJ5-BANK-0073", "2017-05-31")),
)

_WJ6_PLEDGES: tuple[PledgeSeed, ...] = (
    _pledge("wj6-p001", "ent_zhiye", "wj6-xjb-neighbourhood", 5_000_000, "bank_transfer",
        "2018-04-20",
        ("bank", 2_000_000, "WJ6-BANK-0001", "2018-04-27")),
    _pledge("wj6-p002", "ent_lvneng", "wj6-lift-jjxy", 13_100_000, "bank_transfer", "2018-04-23"),
    _pledge("wj6-p003", "ind_wang_jianguo", "wj6-qtm-waste-sorting", 200_000, "online",
        "2018-04-24",
        ("bank", 200_000, "WJ6-BANK-0002", "2018-04-24")),
    _pledge("wj6-p004", "ind_liu_fang", "wj6-jjjy-fire-safe-community", 100_000, "online",
        "2018-04-26"),
    _pledge("wj6-p005", "ent_yungu", "wj6-sx-charging-alarms", 3_000_000, "bank_transfer",
        "2018-04-27",
        ("bank", 1_500_000, "WJ6-BANK-0003", "2018-05-02")),
    _pledge("wj6-p006", "ind_qian_wenhua", "wj6-jjdy-shidu-care", 1_000_000, "bank_transfer",
        "2018-04-28",
        ("bank", 400_000, "WJ6-BANK-0004", "2018-05-03")),
    _pledge("wj6-p007", "ind_song_jiayi", None, 50_000, "online", "2018-05-02"),
)
# fmt: on

EVENTS: tuple[EventSeed, ...] = (
    EventSeed(
        number=5,
        title="第五届民生实事公益众筹会",
        held_on=_D(2017, 4, 21),
        venue=_VENUE,
        pledge_opens=_D(2017, 3, 20),
        pledge_closes=_D(2017, 5, 31),
        status="reporting",
        projects=_WJ5_PROJECTS,
        pledges=_WJ5_PLEDGES,
        summary=(
            "望江街道第五届民生实事公益众筹会：23个民生实事公益项目，"
            "募集资金203余万元，社区卫生服务站、老年食堂、居家养老照料中心、"
            "老旧住宅加装电梯等项目已建成投用。"
        ),
        operator="wangjiang",
    ),
    EventSeed(
        number=6,
        title="第六届民生实事公益众筹会",
        held_on=_D(2018, 5, 18),
        venue=_VENUE,
        pledge_opens=_D(2018, 4, 16),
        pledge_closes=_D(2018, 6, 30),
        status="pledging",
        projects=_WJ6_PROJECTS,
        pledges=_WJ6_PLEDGES,
        summary=(
            "第六届起引入第三方专业社会组织运作，推动民生实事公益众筹项目社会化、规范化、专业化。"
        ),
        operator="wangjiang_gongyi",
    ),
)


def event_seed(number: int) -> EventSeed:
    """The event seed for one edition (届); KeyError if there is none."""
    for event in EVENTS:
        if event.number == number:
            return event
    raise KeyError(f"no demo event number {number}")


def org(key: str) -> OrgSeed:
    """The organization seed with this key; KeyError if there is none."""
    for seed in ORGS:
        if seed.key == key:
            return seed
    raise KeyError(f"no demo organization {key!r}")


def donor(key: str) -> DonorSeed:
    """The donor seed with this key; KeyError if there is none."""
    for seed in DONORS:
        if seed.key == key:
            return seed
    raise KeyError(f"no demo donor {key!r}")


# --- matching (配捐) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSeed:
    """A sponsor's matching pool for an edition, created before its gifts are recorded
    (so each gift is matched, or not, as it settles)."""

    event: int
    sponsor: str  # an enterprise's name; created as an organization when missing
    sponsor_uscc: str
    name: str
    total_fen: int
    ratio: tuple[int, int]  # match = gift × numerator / denominator
    cap_per_gift_fen: int | None
    category: str  # only the edition's projects of this category are matched


MATCHING_POOLS: tuple[PoolSeed, ...] = (
    # A local tech company put ¥20,000 behind the elderly-care projects: every gift to
    # them matched 1:1 up to ¥1,000 a gift, until the money ran out during the meeting.
    PoolSeed(
        event=5,
        sponsor="杭州望江智汇科技有限公司",
        sponsor_uscc="91330102WJDM00014D",
        name="智汇科技「助老敬老」1:1 配捐",
        total_fen=2_000_000,
        ratio=(1, 1),
        cap_per_gift_fen=100_000,
        category="elderly_care",
    ),
)


# --- settings the demo command sets when they are unset ----------------------------------------
# Fictional bank details, so a demo donor's page shows the bank-transfer instructions with
# the pledge code to write in the remark. Real deployments set these variables themselves.
DEMO_ENVIRONMENT: dict[str, str] = {
    "BANK_ACCOUNT_NAME": "杭州市上城区望江街道民生实事公益众筹会（演示）",
    "BANK_ACCOUNT_NUMBER": "3301 0000 0000 0000 000（演示账号）",
    "BANK_NAME": "演示银行杭州望江支行",
}

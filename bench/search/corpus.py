"""A deterministic synthetic column of N cases and notices, for measuring search at 1,000 and 10,000 items.

``python bench/search/corpus.py 1000 /tmp/corpus-1k`` writes a site folder (the repository's
fraudsite.yaml plus content/). Same N, same bytes: the text is drawn from fixed phrase pools with a
seeded random generator, so the query list finds a realistic spread of hits (banks, platforms, fraud
vocabulary) and item bodies are about as long as the sample content's.
"""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "交通银行", "招商银行", "邮储银行"]
PLATFORMS = ["某购物平台", "某外卖平台", "某短视频平台", "某二手交易平台", "某游戏平台", "某社交软件"]
PEOPLE = ["一名大一新生", "一名在校学生", "一名研究生", "一名教职工", "一位退休教师", "一位学生家长", "一名辅导员"]
TYPES = {
    "shuadan": ("刷单返利", ["兼职刷单", "点赞返佣", "垫付任务", "日结兼职", "刷信誉", "返利截图"]),
    "gambling": ("网络赌博", ["稳赚竞猜", "内部导师", "博彩平台", "充值下注", "提现审核", "赛事竞猜"]),
    "exam-answers": ("购买试题答案", ["考前真题", "四六级答案", "考中传答案", "押题资料", "设备定金"]),
    "ghostwriting": ("代写代发论文", ["包过查重", "代发期刊", "论文代写", "降重服务", "版面费"]),
    "two-cards": ("买卖出租出借两卡", ["出租银行卡", "出借电话卡", "走流水", "帮信罪", "收购手机卡"]),
    "tuition": ("学费诈骗", ["新生群收款码", "冒充辅导员", "补缴学费", "家长群通知", "教材费"]),
    "fake-service": ("冒充客服", ["快递理赔", "退款到账", "取消会员", "屏幕共享", "客服电话", "百万保障"]),
    "fake-police": ("冒充公检法", ["安全账户", "涉嫌洗钱", "通缉令", "资金清查", "视频笔录"]),
    "loan": ("网络贷款", ["校园贷", "无抵押贷款", "解冻费", "保证金", "秒到账", "征信修复"]),
    "game-trade": ("网络游戏交易", ["高价收号", "低价装备", "游戏账号", "交易平台", "解冻保证金"]),
    "impersonation": ("冒充熟人/领导", ["冒充领导", "换了新号", "急事借钱", "冒充同学", "视频通话"]),
    "fake-shop": ("虚假购物", ["低价门票", "演唱会门票", "代购", "私下转账", "二维码付款"]),
}
AUDIENCES = ["freshmen", "students", "staff", "retirees", "parents"]
FILLER = [
    "对方态度热情，一开始只让受害人做几个简单操作。", "受害人起初将信将疑，但很快放下了戒心。",
    "对方发来一个链接，要求下载一款陌生应用。", "为了取得信任，骗子先返还了一小笔钱。",
    "随后对方以系统故障为由，要求继续转账才能解冻资金。", "受害人多次转账后，对方把其拉黑并失联。",
    "事后受害人向保卫处咨询，才发现自己被骗。", "学校提醒广大师生，遇到可疑情况先核实再操作。",
    "民警表示，此类案件近期在高校多发，请务必提高警惕。", "凡是要求先交钱的，都要多一个心眼。",
    "骗子往往利用受害人急于求成的心理步步设套。", "请同学们下载安装国家反诈中心App，开启来电预警功能。",
    "遇到可疑来电，可拨打反诈预警专线96110咨询。", "受害人的家人得知后立即报警，警方已立案侦查。",
    "转账前务必通过官方渠道核实对方身份。", "不要把验证码告诉任何人，包括自称工作人员的人。",
    "对方准确说出了受害人的个人信息，让人难以分辨真假。", "校园里的宣传栏和班级群都曾发布过类似提醒。",
]
NOTICE_TOPICS = [
    ("反诈宣传月活动安排", "宣传月"), ("新生入学防骗提醒", "新生"), ("考试季谨防购买答案诈骗", "考试季"),
    ("寒假出行防诈骗提示", "寒假"), ("离退休人员防骗讲座", "讲座"), ("致学生家长的一封信", "家长"),
    ("开学缴费安全提示", "学费"), ("国家反诈中心App安装推广", "国家反诈中心"),
]


def case_text(rng: random.Random, key: str) -> tuple[str, str, str, list[str]]:
    """Title, summary, body and tags of one case."""
    type_name, words = TYPES[key]
    word, other = rng.sample(words, 2)
    person, platform, bank = rng.choice(PEOPLE), rng.choice(PLATFORMS), rng.choice(BANKS)
    amount = rng.randrange(2, 900) * 100
    title = rng.choice([f"{person}轻信“{word}”被骗{amount}元", f"警惕“{word}”：{type_name}新变种",
                        f"{platform}上的“{word}”陷阱", f"以“{other}”为名的{type_name}案例"])
    summary = f"{person}在{platform}遇到“{word}”，按对方要求向{bank}账户转账，共损失{amount}元。"
    paragraphs = []
    for _ in range(rng.randrange(4, 8)):
        sentences = rng.sample(FILLER, 3)
        sentences.insert(rng.randrange(4), rng.choice([f"对方自称可以帮忙办理“{rng.choice(words)}”。",
                                                      f"受害人通过{bank}手机银行转出了钱款。",
                                                      f"骗子在{rng.choice(PLATFORMS)}发布“{rng.choice(words)}”广告。"]))
        paragraphs.append("".join(sentences))
    body = "## 案情经过\n\n" + "\n\n".join(paragraphs) + f"\n\n## 警方提示\n\n{type_name}的共同点：{word}、{other}。"
    return title, summary, body, [word, type_name]


def notice_text(rng: random.Random, year: int) -> tuple[str, str, str, list[str]]:
    """Title, summary, body and tags of one notice."""
    topic, tag = rng.choice(NOTICE_TOPICS)
    title = f"关于{year}年{topic}的通知"
    summary = f"为做好{tag}期间的反诈防骗工作，现就有关事项通知如下。"
    body = "各二级学院、各部门：\n\n" + "\n\n".join("".join(rng.sample(FILLER, 4)) for _ in range(rng.randrange(3, 6)))
    return title, summary, body, [tag]


def write_corpus(count: int, target: Path, seed: int = 7) -> Path:
    """Write a site with ``count`` items into ``target`` (replaced if it exists); return it."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    (target / "content" / "cases").mkdir(parents=True)
    (target / "content" / "notices").mkdir(parents=True)
    shutil.copy(REPO / "fraudsite.yaml", target / "fraudsite.yaml")
    start = date(2015, 1, 1)
    for number in range(count):
        day = start + timedelta(days=rng.randrange(0, 4300))
        audience = sorted(rng.sample(AUDIENCES, rng.randrange(1, 3)))
        if rng.random() < 0.85:
            key = rng.choice(sorted(TYPES))
            title, summary, body, tags = case_text(rng, key)
            head = f"type: {key}\n"
            folder = "cases"
        else:
            title, summary, body, tags = notice_text(rng, day.year)
            head = "issuer: 保卫处\n"
            folder = "notices"
        text = (f"---\nid: bench-{number}\ntitle: \"{title}\"\ndate: {day.isoformat()}\n{head}"
                f"audience: [{', '.join(audience)}]\ntags: [{', '.join(tags)}]\nsummary: \"{summary}\"\n---\n\n{body}\n")
        (target / "content" / folder / f"item-{number:05d}.md").write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    print(write_corpus(int(sys.argv[1]), Path(sys.argv[2])))

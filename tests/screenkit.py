"""A screen test site: the sample site plus items that stress the slideshow (long title, long lists,
a notice that expires minutes after "now", one scheduled to start minutes after it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sitekit import SAMPLE, at, write

SCREEN_NOW = "2026-11-28 09:00"
SCREEN_CONFIG = """
screen:
  seconds: 12
  cases: 6
  refresh: 300
  horizon_days: 7
  summary_length: 60
  profiles:
    canteen:
      title: 食堂大屏
      sections: [cases]
      audiences: [students]
    retirees:
      title: 离退休活动室
      types: [fake-police, impersonation]
      audiences: [retirees]
      seconds: 20
"""
LONG_TITLE = "新生开学季接到自称辅导员的陌生来电要求加入缴费群并扫码缴纳所谓教材费住宿费和军训服装费后对方立即失联三名同学共被骗八千多"
LONG_NOTICE_TITLE = "关于在全校范围内开展冬季学期反诈防骗主题班会暨家长告知书发放回收和国家反诈中心应用安装注册情况统计上报工作的紧急补充通知"
LONG_NOTICE_ID = "notices/screen-test-long-notice/"
EXPIRING_ID = "notices/screen-test-expiring/"
SCHEDULED_ID = "notices/screen-test-scheduled/"
LONG_ID = "cases/screen-test-long/"


def make_screen_site(tmp_path: Path) -> Path:
    """Copy the sample site (configuration and content) and add the screen fixture items."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copytree(SAMPLE / "content", site / "content")
    config = (SAMPLE / "fraudsite.yaml").read_text(encoding="utf-8")
    # The tests' own screen settings replace the sample's (up to the next top-level key).
    config = re.sub(r"^screen:\n(?:[ #].*\n|\n)*", "", config, flags=re.MULTILINE) + SCREEN_CONFIG
    (site / "fraudsite.yaml").write_text(config, encoding="utf-8")
    signs = [f"  - 第{n}条：对方以各种理由要求你先转账、先垫付、先下载陌生软件并开启屏幕共享功能，还不断催促你尽快完成操作"
             for n in range(1, 9)]
    lines = ["---", "id: screen-test-long", f"title: {LONG_TITLE}", "slug: screen-test-long",
             "date: 2026-11-27 08:00", "type: tuition", "audience: [freshmen, students, staff, retirees, parents]",
             "amount: 1234567", "issuer: 保卫处（无诈校园创建办公室）与各二级学院学生工作办公室联合发布", "signs:", *signs,
             "---", "开学季，骗子冒充辅导员拉群收费。学校所有费用只通过官方平台缴纳。", ""]
    (site / "content/cases/screen-test-long.md").write_text("\n".join(lines), encoding="utf-8")
    summary = "请各学院辅导员在班会上逐条讲解以下内容：" + "不轻信陌生来电、不点击陌生链接、不向陌生账户转账、不出借银行卡和手机卡。" * 4
    write(site, "content/notices/screen-test-long-notice.md", f"""
        ---
        id: screen-test-long-notice
        title: {LONG_NOTICE_TITLE}
        slug: screen-test-long-notice
        date: 2026-11-26 08:00
        expires: 2026-12-20
        issuer: 保卫处（无诈校园创建办公室）、学生工作处、团委、各二级学院联合发布
        audience: [freshmen, students, staff, retirees, parents]
        summary: {summary}
        ---
        正文。
        """)
    write(site, "content/notices/screen-test-expiring.md", """
        ---
        id: screen-test-expiring
        title: 今晨讲座签到提醒
        slug: screen-test-expiring
        date: 2026-11-27 08:00
        expires: 2026-11-28 09:05
        issuer: 保卫处
        ---
        今晨的反诈讲座请提前签到。
        """)
    write(site, "content/notices/screen-test-scheduled.md", """
        ---
        id: screen-test-scheduled
        title: 上午十点反诈知识竞答开始
        slug: screen-test-scheduled
        date: 2026-11-28 09:10
        expires: 2026-11-30
        issuer: 保卫处
        ---
        竞答在图书馆报告厅举行，欢迎参加。
        """)
    return site


def screen_now_ms() -> int:
    """SCREEN_NOW as JavaScript milliseconds."""
    return int(at(SCREEN_NOW).timestamp() * 1000)

"""``fraudsite init``: a new site that builds with the built-in theme."""

from __future__ import annotations

from pathlib import Path

from fraudsite.errors import FraudsiteError, describe_os_error

CONFIG = """\
# 网站配置（详见 README“配置”一节）。发布前请改好标了“请修改”“请填写”的几项。
title: 反诈防骗专栏  # 请修改：专栏名称，例如“某某学院 反诈防骗专栏”
# 请修改：专栏在学校网站上的完整网址，以 / 结尾；订阅源、二维码和公众号的“阅读原文”都指向它
base_url: https://www.example.edu.cn/fzzl/
language: zh-CN
timezone: Asia/Shanghai
office:
  name: 保卫处（无诈校园创建办公室）  # 请修改：发布单位
  phone: ""  # 请填写：办公电话（页脚显示；个人信息检查不会拦它）
  email: ""  # 请填写：办公邮箱
page_size: 10
feed_size: 50
notice_lifetime_days: 30
# types 和 audiences 省略时使用内置的 12 种诈骗类型和 5 类受众。
"""

# The examples are drafts, written as ``fraudsite new`` writes: nothing invented is published by a first build
# (``fraudsite serve`` shows drafts), and one published unchanged is refused for its placeholder text (E221).
CASE = """\
---
# 示例草稿：照着它的格式写真实的案例。draft: true 的内容不会发布，预览（fraudsite serve）里能看到。
id: case-0001
title: 示例：兼职刷单先返利后垫付，学生被骗三千元
draft: true
date: {date}
type: shuadan
audience: [students]
amount: 3000
tags: [兼职]
summary: 一名学生在社交平台看到“点赞返利”兼职，前几单拿到小额返利后被要求垫付大额资金，最终被骗。
signs:
  - 先给小额返利，再要求垫付
  - 要求下载陌生 App 做“任务”
advice:
  - 凡是要求垫付的刷单兼职都是诈骗
  - 发现被骗立即拨打 96110 或报警
---

## 案情经过

<!-- 写受害人如何被引诱、损失多少、怎样发现被骗。不要写受害人的姓名、电话、学号等个人信息。 -->
{PLACEHOLDERS[0]}

## 警方提示

{PLACEHOLDERS[1]}
"""

NOTICE = """\
---
# 示例草稿：照着它的格式写真实的通知。draft: true 的内容不会发布。
id: notice-0001
title: 示例：关于开展反诈防骗知识讲座的通知
draft: true
date: {date}
issuer: 保卫处
audience: [students, staff]
summary: 本周五下午在学术报告厅举办反诈防骗专题讲座，请各单位组织参加。
---

各部门、各二级学院：

<!-- 写清时间、地点、参加对象和要求。 -->
{PLACEHOLDERS[2]}
"""


def create_site(directory: Path) -> list[Path]:
    """Write a configuration and one example of each kind; never overwrite anything."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from fraudsite.newitem import PLACEHOLDERS

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the configuration's time zone
    files = {
        directory / "fraudsite.yaml": CONFIG,
        directory / "content" / "cases" / "example-case.md": CASE.format(date=today, PLACEHOLDERS=PLACEHOLDERS),
        directory / "content" / "notices" / "example-notice.md": NOTICE.format(date=today, PLACEHOLDERS=PLACEHOLDERS),
    }
    if directory.exists() and not directory.is_dir():
        raise FraudsiteError(f"{directory} 是一个文件，不是文件夹；请换一个名字，例如 fraudsite init fzzl")
    # Inside another site (its content/ or theme/, say: "fraudsite init site/content"), the new site's files
    # would land among that site's own, as a content file named fraudsite.yaml and a content/content/.
    for folder in directory.resolve().parents:
        if (folder / "fraudsite.yaml").is_file():
            raise FraudsiteError(f"{directory} 在网站 {folder} 之内，在这里新建会把文件混进那个网站；"
                                 "请换一个不在任何网站文件夹里的目录")
    existing = [path for path in files if path.exists()]
    if existing:
        raise FraudsiteError(f"{existing[0]} 已存在，为免覆盖已停止；请换一个空目录")
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise FraudsiteError(f"无法在 {directory} 中新建网站（{describe_os_error(error)}）；请换一个有写入权限的文件夹") from None
    return list(files)

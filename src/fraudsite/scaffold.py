"""``fraudsite init``: a new site that builds with the built-in theme."""

from __future__ import annotations

from pathlib import Path

from fraudsite.errors import FraudsiteError

CONFIG = """\
# 网站配置。详见 README“配置”一节。
title: 反诈防骗专栏
base_url: https://www.example.edu.cn/fzzl/
language: zh-CN
timezone: Asia/Shanghai
office:
  name: 保卫处（无诈校园创建办公室）
  phone: ""
  email: ""
page_size: 10
feed_size: 50
notice_lifetime_days: 30
# types 和 audiences 省略时使用内置的 12 种诈骗类型和 5 类受众。
"""

CASE = """\
---
id: case-0001
title: 兼职刷单先返利后垫付，学生被骗三千元
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

这里写事情经过：受害人如何被引诱、损失多少、怎样发现被骗。不要写受害人的姓名、电话、学号等个人信息。

## 警方提示

这里写给读者的提醒。
"""

NOTICE = """\
---
id: notice-0001
title: 关于开展反诈防骗知识讲座的通知
date: {date}
issuer: 保卫处
audience: [students, staff]
summary: 本周五下午在学术报告厅举办反诈防骗专题讲座，请各单位组织参加。
---

各部门、各二级学院：

这里写通知正文：时间、地点、参加对象和要求。
"""


def create_site(directory: Path) -> list[Path]:
    """Write a configuration and one example of each kind; never overwrite anything."""
    from datetime import date

    files = {
        directory / "fraudsite.yaml": CONFIG,
        directory / "content" / "cases" / "example-case.md": CASE.format(date=date.today().isoformat()),
        directory / "content" / "notices" / "example-notice.md": NOTICE.format(date=date.today().isoformat()),
    }
    existing = [path for path in files if path.exists()]
    if existing:
        raise FraudsiteError(f"{existing[0]} 已存在，为免覆盖已停止；请换一个空目录")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)

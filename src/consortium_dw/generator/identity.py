"""Synthetic people: GB 11643 identity numbers, names and phone numbers, all vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from consortium_dw.contract import ID_CHECK_CHARS, ID_WEIGHTS
from consortium_dw.generator.formatting import padded

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力永海鹏宇"
    "浩凯健俊帆帅旭宁晨欣怡雪梅琳慧颖婷佳悦子涵博文轩雨泽梓萱思远")


def check_chars(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an array of 17-digit strings."""
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8)
    digits = (digits.reshape(-1, 17) - ord("0")).astype(np.int64)
    remainder = digits @ np.array(ID_WEIGHTS, dtype=np.int64) % 11
    return np.array(list(ID_CHECK_CHARS))[remainder]


def identity_numbers(rng: np.random.Generator, admdvs: np.ndarray, birth_dates: np.ndarray,
                     sex: np.ndarray) -> np.ndarray:
    """Unique valid numbers: region + birth date + order code (odd for men) + check character.
    The order code is the rank within (region, birth date, sex), so numbers never collide."""
    n = len(admdvs)
    frame = pd.DataFrame({"admdvs": admdvs, "birth": birth_dates, "sex": sex,
                          "shuffle": rng.permutation(n)})
    frame = frame.sort_values(["admdvs", "birth", "sex", "shuffle"])
    rank = frame.groupby(["admdvs", "birth", "sex"], sort=False).cumcount().to_numpy()
    order = np.empty(n, dtype=np.int64)
    order[frame.index.to_numpy()] = rank
    start = rng.integers(0, 100, n)
    order_code = (start + order) * 2 + np.where(sex == "1", 1, 0)
    if order_code.max() > 999:
        raise ValueError("too many people born on one day in one region for GB 11643 order codes")
    births = pd.to_datetime(birth_dates).strftime("%Y%m%d").to_numpy(dtype=object)
    first17 = (pd.Series(admdvs, dtype=object) + births
               + padded(order_code, 3))
    first17 = first17.to_numpy(dtype=object)
    return (first17 + check_chars(first17)).astype(object)


def wrong_check_char(number: str) -> str:
    """The same number with a check character that is wrong but well formed."""
    right = number[17].upper()
    return number[:17] + next(c for c in "0123456789X" if c != right)


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    given = np.array(GIVEN_CHARS, dtype=object)
    first = given[rng.integers(0, len(given), n)]
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return surname + first + second


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                         "152", "155", "158", "159", "176", "177", "180", "186", "187", "189"],
                        dtype=object)
    tail = padded(rng.integers(0, 100_000_000, n), 8)
    return prefixes[rng.integers(0, len(prefixes), n)] + tail

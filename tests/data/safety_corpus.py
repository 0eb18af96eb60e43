"""Writes safety_corpus.txt: labelled lines for the safety filter's precision/recall test.

    python tests/data/safety_corpus.py     # rewrites tests/data/safety_corpus.txt

Each line of the corpus is one text (chat message, form, log line, e-mail, note) in Chinese
or English; what the filter must find is marked ⟦category|text⟧, everything else must not
be found. ``\\n`` stands for a line break inside a text. Every identifier is made up here:
resident IDs with a real region code, a real date and the right check digit, numbers on
China's real numbering plan, card numbers on real issuer prefixes with the right Luhn digit,
documentation IP ranges; and beside them the look-alikes that must not match (a wrong check
digit, an impossible date, a number inside a longer one, order numbers, dates, versions…).
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

from stdnum import luhn
from stdnum.cn import ric

OUT = Path(__file__).with_suffix(".txt")
R = random.Random(20240615)

# -- positives ------------------------------------------------------------------------------

REGIONS = ["110101", "110102", "110105", "110108", "310101", "310104", "310110", "320102",
           "330106", "420106", "440104", "440106", "510104", "610103", "370102", "210102"]


def id_number(*, valid: bool = True) -> str:
    while True:
        y = R.randint(1950, 2005)
        base = (f"{R.choice(REGIONS)}{y}{R.randint(1, 12):02d}{R.randint(1, 28):02d}"
                f"{R.randint(0, 999):03d}")
        good = base + ric.calc_check_digit(base + "0")
        if not ric.is_valid(good):
            continue
        if valid:
            return good
        bad = base + R.choice([c for c in "0123456789X" if c != good[-1]])
        assert not ric.is_valid(bad)
        return bad


def id_number_bad_date() -> str:
    base = f"{R.choice(REGIONS)}19{R.randint(50, 99)}{R.choice(['13', '00', '14'])}{R.randint(1, 28):02d}{R.randint(0, 999):03d}"
    return base + ric.calc_check_digit(base + "0")


MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181",
                   "182", "185", "186", "187", "188", "189", "198", "199"]
AREAS = [("010", 8), ("021", 8), ("022", 8), ("020", 8), ("023", 8), ("025", 8), ("027", 8),
         ("028", 8), ("029", 8), ("0755", 8), ("0571", 8), ("0512", 8), ("0532", 8)]


def _valid_cn(number: str) -> bool:
    import phonenumbers

    parsed = phonenumbers.parse(number, "CN")
    return phonenumbers.is_valid_number(parsed)


def mobile() -> str:
    while True:
        n = R.choice(MOBILE_PREFIXES) + "".join(R.choices(string.digits, k=8))
        if _valid_cn(n):
            break
    style = R.random()
    if style < 0.55:
        return n
    if style < 0.7:
        return f"{n[:3]} {n[3:7]} {n[7:]}"
    if style < 0.85:
        return f"{n[:3]}-{n[3:7]}-{n[7:]}"
    return R.choice(["+86 ", "+86", "+86-"]) + n


def landline() -> str:
    while True:
        area, length = R.choice(AREAS)
        sub = str(R.randint(2, 8)) + "".join(R.choices(string.digits, k=length - 1))
        if _valid_cn(area + sub):
            break
    return R.choice([f"{area}-{sub}", f"{area}-{sub[:4]}-{sub[4:]}", f"({area}){sub}",
                     f"{area} {sub}", f"+86 {area[1:]} {sub}"])


def phone() -> str:
    return mobile() if R.random() < 0.7 else landline()


CARD_PREFIXES = [("622202", 19), ("621700", 19), ("622848", 19), ("621661", 19), ("622588", 16),
                 ("436742", 16), ("518710", 16), ("625807", 16), ("621483", 16), ("356833", 16),
                 ("622700", 19), ("628288", 16), ("404119", 16), ("552599", 16)]


def card(*, valid: bool = True, grouped: bool | None = None) -> str:
    prefix, length = R.choice(CARD_PREFIXES)
    body = prefix + "".join(R.choices(string.digits, k=length - len(prefix) - 1))
    check = luhn.calc_check_digit(body)
    if not valid:
        check = R.choice([d for d in string.digits if d != check])
    number = body + check
    assert luhn.is_valid(number) == valid
    if grouped if grouped is not None else R.random() < 0.4:
        sep = R.choice([" ", "-"])
        return sep.join(number[i:i + 4] for i in range(0, len(number), 4))
    return number


GIVEN = ["zhang.wei", "li.na", "wang.fang", "liu.yang", "chen.jing", "yang.li", "zhao.lei",
         "huang.min", "zhou.jie", "wu.xia", "xu.qiang", "sun.li", "ma.jun", "hu.bo", "guo.hua",
         "j.smith", "anna.k", "m.garcia", "t.nguyen", "o.petrova", "support", "hr-team", "ops"]
DOMAINS = ["example.com", "example.cn", "corp.example.com", "mail.example.org", "qq.com",
           "163.com", "126.com", "foxmail.com", "example.net", "sub.example.com.cn"]


def email() -> str:
    local = R.choice(GIVEN)
    if R.random() < 0.2:
        local = str(R.randint(10000000, 2999999999))  # QQ numbers as mailboxes
    elif R.random() < 0.3:
        local += str(R.randint(1, 99))
    return f"{local}@{R.choice(DOMAINS)}"


def ip() -> str:
    kind = R.random()
    if kind < 0.3:
        return f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}"
    if kind < 0.5:
        return f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
    if kind < 0.65:
        return f"{R.choice(['203.0.113', '198.51.100', '192.0.2'])}.{R.randint(1, 254)}"
    if kind < 0.75:
        return f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}"
    groups = [f"{R.randint(0, 0xffff):x}" for _ in range(4)]
    return R.choice([f"2001:db8::{groups[0]}:{groups[1]}", f"fe80::{groups[0]}:{groups[1]}:{groups[2]}",
                     f"2001:db8:{groups[0]}:{groups[1]}:{groups[2]}:{groups[3]}:0:1", "::1",
                     f"2001:db8:{groups[2]}::1"])


def passport() -> str:
    kind = R.random()
    if kind < 0.5:
        return "E" + "".join(R.choices(string.digits, k=8))
    if kind < 0.8:
        return "E" + R.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + "".join(R.choices(string.digits, k=7))
    return "G" + "".join(R.choices(string.digits, k=8))


def _rand(chars: str, k: int) -> str:
    return "".join(R.choices(chars, k=k))


ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits


def _b64(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def api_key() -> str:
    kind = R.randrange(9)
    if kind == 0:
        return "AKIA" + _rand(UPPER_DIGITS, 16)
    if kind == 1:
        return "ghp_" + _rand(ALNUM, 36)
    if kind == 2:
        return f"xoxb-{R.randint(10**10, 10**11)}-{R.randint(10**10, 10**11)}-" + _rand(
            string.ascii_lowercase + string.digits, 24)
    if kind == 3:
        return "sk_live_" + _rand(ALNUM, 24)
    if kind == 4:
        header = _b64({"alg": "HS256", "typ": "JWT"})
        payload = _b64({"sub": str(R.randint(1000, 99999)), "name": R.choice(GIVEN), "iat": 1718400000})
        return f"{header}.{payload}.{_rand(ALNUM + '-_', 43)}"
    if kind == 5:
        return "LTAI" + _rand(ALNUM, 20)
    if kind == 6:
        return "sk-proj-" + _rand(ALNUM + "-_", 48)
    if kind == 7:
        return "AIza" + _rand(ALNUM + "-_", 35)
    return "glpat-" + _rand(ALNUM + "-_", 20)


def private_key() -> str:
    body = "\\n".join(_rand(ALNUM + "+/", 64) for _ in range(R.randint(2, 5)))
    label = R.choice(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    return f"-----BEGIN {label}-----\\n{body}\\n-----END {label}-----"


POSITIVE = {"id": ("id_number", id_number), "phone": ("phone", phone), "mobile": ("phone", mobile),
            "landline": ("phone", landline), "card": ("bank_card", card), "email": ("email", email),
            "ip": ("ip_address", ip), "passport": ("passport", passport),
            "key": ("api_key", api_key), "pem": ("private_key", private_key)}

# -- look-alikes that must not be found -----------------------------------------------------


def order_no() -> str:
    return R.choice([
        f"{R.randint(2019, 2025)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}{R.randint(10**7, 10**8 - 1)}",
        f"E{R.randint(2020, 2025)}{R.randint(10**9, 10**10 - 1)}",
        f"SO-{R.randint(2020, 2025)}-{R.randint(100000, 999999)}",
        f"{R.randint(2020, 2025)}{R.randint(10**13, 10**14 - 1)}",
        f"DD{R.randint(10**15, 10**16 - 1)}",
    ])


def tracking() -> str:
    return R.choice([f"SF{R.randint(10**12, 10**13 - 1)}", f"YT{R.randint(10**12, 10**13 - 1)}",
                     f"JD{R.randint(10**13, 10**14 - 1)}", f"75{R.randint(10**11, 10**12 - 1)}"])


def date() -> str:
    y, m, d = R.randint(2015, 2026), R.randint(1, 12), R.randint(1, 28)
    return R.choice([f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}{m:02d}{d:02d}",
                     f"{y}/{m}/{d}", f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}"])


def amount() -> str:
    return R.choice([f"¥{R.randint(1, 999)},{R.randint(100, 999)}.{R.randint(10, 99)}",
                     f"{R.randint(1, 99)},{R.randint(100, 999)},{R.randint(100, 999)}元",
                     f"${R.randint(1, 9999)}.{R.randint(10, 99)}", f"{R.randint(1000, 999999)}元"])


def version() -> str:
    return R.choice([f"v{R.randint(1, 9)}.{R.randint(0, 20)}.{R.randint(0, 30)}",
                     f"10.0.{R.randint(17000, 22631)}.{R.randint(1000, 4000)}",
                     f"{R.randint(1, 5)}.{R.randint(0, 9)}", f"build {R.randint(1000, 9999)}"])


def bad_id() -> str:
    return id_number(valid=False) if R.random() < 0.75 else id_number_bad_date()


def bad_card() -> str:
    return card(valid=False)


def long_number() -> str:
    """A real-looking identifier buried inside a longer run of digits."""
    inner = R.choice([id_number().replace("X", "1"), mobile().replace(" ", "").replace("-", "").replace("+86", ""),
                      card(grouped=False)])
    return f"{R.randint(10, 99)}{inner}{R.randint(10, 99)}"


def bad_phone() -> str:
    return R.choice([f"1{R.choice('012')}{R.randint(10**8, 10**9 - 1)}",  # no such mobile prefix
                     f"{R.choice(['400', '800'])}-{R.randint(100, 999)}-{R.randint(1000, 9999)}",  # hotlines
                     f"{R.randint(10**9, 10**10 - 1)}", "12345678901", f"1{R.randint(10**11, 10**12 - 1)}"])


def bad_ip() -> str:
    return R.choice([f"{R.randint(256, 999)}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(0, 255)}",
                     f"{R.randint(10, 99)}:{R.randint(10, 59)}:{R.randint(10, 59)}",
                     ":".join(f"{R.randint(0, 255):02X}" for _ in range(6)), "std::vector<int>",
                     f"{R.randint(1, 9)}.{R.randint(0, 9)}.{R.randint(0, 9)}"])


def hexdigest() -> str:
    return R.choice([_rand("0123456789abcdef", 64), _rand("0123456789abcdef", 40),
                     f"{_rand('0123456789abcdef', 8)}-{_rand('0123456789abcdef', 4)}-4{_rand('0123456789abcdef', 3)}-a{_rand('0123456789abcdef', 3)}-{_rand('0123456789abcdef', 12)}"])


def not_email() -> str:
    return R.choice(["@" + R.choice(["张伟", "李娜", "ops", "team"]), f"{R.choice(GIVEN)}@localhost",
                     f"user@{R.choice(['host', 'server'])}", "a@b", "@example.com"])


def code() -> str:
    return R.choice([f"SKU-{_rand(UPPER_DIGITS, 8)}", f"INV{R.randint(10**7, 10**8 - 1)}",
                     f"ISBN 978-7-{R.randint(100, 999)}-{R.randint(10000, 99999)}-{R.randint(0, 9)}",
                     f"工号{R.randint(10000, 99999)}", f"room {R.randint(100, 2999)}",
                     f"E{R.randint(10**4, 10**6)}", f"GB/T {R.randint(1000, 39999)}-{R.randint(2000, 2024)}"])


NEGATIVE = {"order": order_no, "tracking": tracking, "date": date, "amount": amount,
            "version": version, "badid": bad_id, "badcard": bad_card, "long": long_number,
            "badphone": bad_phone, "badip": bad_ip, "hex": hexdigest, "notemail": not_email,
            "code": code}

# -- texts ----------------------------------------------------------------------------------

TEMPLATES = [
    # Chinese chats, forms and notes
    "你好，我的身份证号是{id}，请帮我查一下社保缴费记录。",
    "身份证{id}，姓名张伟，入职日期{date}。",
    "客户：李娜 证件号码：{id} 联系电话：{phone}",
    "请把合同发到{email}，有问题打我手机{mobile}。",
    "手机{mobile}（微信同号），邮箱{email}",
    "订单号{order}已发货，快递单号{tracking}，预计{date}送达。",
    "订单{order}金额{amount}，请于{date}前付款。",
    "收款账户：{card}（工商银行北京分行），户名：王芳",
    "退款将原路退回尾号卡，卡号{card}，金额{amount}。",
    "这个卡号{badcard}好像不对，系统提示校验失败。",
    "身份证号{badid}校验不通过，请核对后重新输入。",
    "流水号{long}，交易时间{date}。",
    "服务器{ip}的22端口连不上，帮忙看下防火墙。",
    "数据库主库{ip}，从库{ip}，版本{version}。",
    "护照号码：{passport}，有效期至{date}。",
    "出差人员护照{passport}，签证已办好。",
    "测试环境的 AccessKey 是 {key}，用完请删除。",
    "别把{key}发到群里！",
    "客服热线{badphone}，工作日9:00-18:00。",
    "会议纪要：{date} 讨论了{version}的发布计划，预算{amount}。",
    "紧急联系人电话{landline}，地址北京市朝阳区建国路88号。",
    "办公室座机{landline}转8012。",
    "他的工号是{code}，不是身份证号。",
    "发票代码{order}，开票日期{date}，金额{amount}。",
    "错误码{badip}，请联系管理员。",
    "提交哈希{hex}已合并到主分支。",
    "在群里@张伟 确认一下{date}的排班。",
    "私钥如下，请妥善保管：\\n{pem}",
    "报销单：{amount}，银行卡{card}，身份证{id}。",
    "快递员电话{mobile}，运单{tracking}",
    "用户反馈：绑定手机号{mobile}时收不到验证码，IP为{ip}。",
    "登录日志：{date} 用户{email}从{ip}登录成功",
    "号码{badphone}不是有效手机号。",
    "设备MAC地址{badip}，固件{version}。",
    "产品编码{code}，批次{order}。",
    "请核对：{id}（本人）与{badid}（家属，号码有误）",
    "联系人{mobile}、{landline}，传真{badphone}",
    "下单时间{date}，订单编号{order}，支付{amount}",
    "旅客护照号{passport}，航班CA1501，座位32A。",
    "这是生产库密码吗？{key}",
    # English chats, e-mails, tickets and logs
    "Hi, my ID number is {id}, could you update my record?",
    "Please call me on {mobile} or e-mail {email}.",
    "Card ending details: {card}, expiry 08/27.",
    "The number {badcard} fails validation, please re-enter the card.",
    "Order {order} shipped on {date}, tracking {tracking}.",
    "Invoice total {amount}, due {date}.",
    "Server {ip} is unreachable since {date}.",
    "Passport No. {passport}, issued {date}.",
    "Our support line is {badphone}.",
    "Deploy key leaked in chat: {key}",
    "export AWS_ACCESS_KEY_ID={key}",
    "Authorization: Bearer {key}",
    "Release {version} fixes the login bug; commit {hex}.",
    "Mention @{notemail} in the ticket, not the customer.",
    "Reach the on-call engineer at {landline} after hours.",
    "Log: {date} login ok user={email} src={ip}",
    "Employee {code} submitted expenses of {amount}.",
    "The checksum of {badid} is wrong, so the form was rejected.",
    "Reference {long} was not found in the ledger.",
    "Contact: {email} / {phone}",
    "Key file contents:\\n{pem}\\nDo not commit this.",
    "Traveller passport {passport}, booking ref {code}.",
    "Time {badip} is when the job ran.",
    "Wire to account {card} before {date}.",
    "The build number is {version} and the ticket is {code}.",
    "Customer ID card {id}, phone {mobile}, paid {amount}.",
    "Use {notemail} only for internal tests.",
    "Visitor list: {id}; {id}",
    "部署用的 SSH 私钥（别外传）：{pem}",
    "Here is the service account key you asked for:\\n{pem}",
]


def fill(template: str) -> str:
    out = []
    i = 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        k = template.index("}", j)
        slot = template[j + 1:k]
        if slot in POSITIVE:
            category, make = POSITIVE[slot]
            out.append(f"⟦{category}|{make()}⟧")
        else:
            out.append(NEGATIVE[slot]())
        i = k + 1
    return "".join(out)


def main() -> None:
    lines = [
        "# Labelled texts for the safety filter (tests/security/test_safety_corpus.py).",
        "# Written by tests/data/safety_corpus.py; every identifier in it is made up.",
        "# ⟦category|text⟧ marks what must be found; \\n is a line break inside a text.",
    ]
    for _ in range(7):
        for template in TEMPLATES:
            lines.append(fill(template))
    for _ in range(180):  # plain look-alikes on their own, glued to 汉字 or not
        make = R.choice(list(NEGATIVE.values()))
        lines.append(R.choice(["{}", "编号{}", "号码：{}。", "ref {}", "第{}号"]).format(make()))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 3} lines to {OUT.name}")


if __name__ == "__main__":
    main()

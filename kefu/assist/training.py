"""Training data and training runs for Kefu's shipped models.

The labelled chat examples for emotion and intent are built from hand-written seed messages
(``data/emotion_seed.txt``, ``data/intent_seed.txt``) and from templates with slot fillers
below, then varied the way customers type: traditional characters, chat shorthand (啥, 咋,
嘛), typos, emoji and emoticons, repeated punctuation. ``build_examples()`` writes
``data/emotion_examples.csv`` and ``data/intent_examples.csv`` (they ship, so a shop can read
and extend them); ``train_all()`` trains and saves every model, reproducibly (fixed seeds).
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
MODELS_DIR = Path(__file__).with_name("models")
EMOTION_EXAMPLES = DATA_DIR / "emotion_examples.csv"
INTENT_EXAMPLES = DATA_DIR / "intent_examples.csv"
SEED = 20261123

EMOTIONS = ("angry", "anxious", "disappointed", "neutral", "satisfied")

# ---------------------------------------------------------------------------------------
# Slot fillers
PRODUCTS = [
    "这件衣服", "这款手机", "翼龙F40", "AFG2100", "冷水机", "12kW冷水机", "洗发水", "耳机", "鞋子",
    "裤子", "充电宝", "面膜", "这个", "那款", "连衣裙", "电饭煲", "数据线", "手机壳", "这套茶具",
    "羽绒服", "台灯", "空气炸锅", "蓝牙音箱", "猫粮", "奶粉", "书包", "床单", "水果", "平板",
    "信号发生器", "无人机", "口红", "T恤", "牛仔裤", "电动牙刷", "保温杯", "键盘", "鼠标",
]  # fmt: skip
DAYS = ["两", "三", "四", "五", "六", "七", "十", "半个月", "好几"]
CARRIERS = ["顺丰", "中通", "圆通", "韵达", "申通", "京东物流", "邮政", "极兔"]
CITIES = ["上海", "北京", "广州", "深圳", "成都", "杭州", "武汉", "西安", "新疆", "台北", "香港"]
ADDRESS = ["客服", "店家", "卖家", "掌柜", "老板", "你们"]
PRICES = ["50", "80", "100", "200", "300", "500", "800", "1000", "2999"]
SHOPS = ["别家", "别的店", "隔壁店", "拼多多", "京东", "淘宝上", "实体店", "官网", "人家"]

_SLOT_RE = re.compile(r"\{([^{}]*)\}")
_NAMED = {
    "p": PRODUCTS, "d": DAYS, "c": CARRIERS, "city": CITIES, "a": ADDRESS, "price": PRICES, "shop": SHOPS,
}  # fmt: skip


def expand(template: str, rng: random.Random) -> str:
    """Fill ``{a|b|c}`` alternatives (empty alternative allowed) and named slots ``{p}``."""

    def pick(match: re.Match) -> str:
        body = match.group(1)
        if body in _NAMED:
            return rng.choice(_NAMED[body])
        return rng.choice(body.split("|"))

    for _ in range(4):  # nested slots
        new = _SLOT_RE.sub(pick, template)
        if new == template:
            break
        template = new
    return template


# ---------------------------------------------------------------------------------------
# Emotion templates: label -> templates
EMOTION_TEMPLATES: dict[str, list[str]] = {
    "angry": [
        "{什么破|什么垃圾|垃圾}{p}{，|！|}{退钱|我要退款|赶紧给我退了|浪费我的钱}{！|！！！|}",
        "你们{a}是{死了吗|干什么吃的|聋了吗|不会说话吗|故意的吧}{？|？？？|！}",
        "{骗子|骗人|坑人|黑心店}{！|！！|，}{p}{跟图片完全不一样|根本不是正品|是假货|是二手的}",
        "{等了|都}{d}天了还{没发货|没到|没人理|没退款}，{你们|这店}{什么态度|太过分了|还想不想做生意了|搞什么}{！|？|}",
        "我要{投诉|给差评|找平台|打12315|举报你们|曝光你们}{！|！！|！！！|}",
        "{气死我了|太气人了|真的火大|无语死了}{，|！}{p}{用了一天就坏了|一股怪味|质量太差|是坏的}",
        "{p}{刚收到就坏了|漏液|发霉了|碎了}，你们{还敢卖|不检查的吗|什么意思}{？|？？|！}",
        "说好的{包邮|赠品|两天到|七天无理由|保修}呢{？|？？？}{骗人|耍我呢|忽悠谁呢|}",
        "{别|少}{敷衍我|跟我扯|找借口|踢皮球}{，|！}{马上|赶紧|立刻}{处理|退款|给我解决}{！|！！|}",
        "{凭什么|为什么}{不给退|不给换|拒绝我的退款|收我运费}{？？？|？|！}",
        "{你们|这家店}{太恶心了|太坑了|就是骗子|没良心}{！|！！！|[发怒]|😡|}",
        "{问了|说了}{三|好几|无数}遍了{，|！}{到底|究竟}{管不管|能不能解决|有没有人}{？|？？？}",
        "{差评|必须差评|一星}{！|，}{p}{垃圾|烂透了|就是垃圾}",
        "{态度|服务}{这么差|太差劲|恶劣}{，|！}{还开什么店|我要投诉|叫你们老板出来}",
        "{再不|还不}{处理|退款|回复}我就{投诉|找平台介入|打12315|找律师}{！|}",
    ],
    "anxious": [
        "我的{快递|包裹|货}怎么还没到{？|？？|？？？}{都|已经}{d}天了",
        "{急用|着急用|明天就要用|后天就要用|等着送人}{，|！}能{今天|尽快|马上}发货吗{？|？？}",
        "{快点|快快快|麻烦快点|求求快点}{发货|回复|处理|看一下}{吧|啊|好吗|}{！|！！|}",
        "{在吗|有人吗|人呢|客服呢}{？？|？？？|？？？？}",
        "物流{d}天没动了，{是不是丢了|怎么回事|会不会丢件|是不是出问题了}{？|？？|}",
        "退款{什么时候到账|怎么还没到|还要等多久|到底什么时候退}{？|？？|}{急用钱|等着用|}",
        "{p}{什么时候能到|能赶上周末吗|明天能到{city}吗|今天能发吗}{？|？？}{很急|急|好着急|}",
        "{付了钱|扣了款|钱扣了}{订单没显示|还显示未付款|扣了两次}，{怎么办|怎么回事}{啊|？|？？}",
        "{还没发货|还没到|没有物流信息}{吗|啊}？{都|已经}{d}天了{，好着急|，急死了|}",
        "{帮我|麻烦}{催一下|查一下|看一下}{快递|物流|退款|订单}{吧|好吗}，{急用|很急|着急|等不及了}",
        "{快递|物流}显示{签收|已送达}了{但是|可是}我{没收到|没拿到}啊{？|！|，怎么办}",
        "{地址|电话}{填错了|写错了}{，|！}{还能改吗|快帮我改一下|发货了吗}{？|？？}{急|}",
        "{怎么|为什么}还{不回|没人回|没处理}{我|}{啊|？|？？}{等半天了|急死了|}",
    ],
    "disappointed": [
        "{唉|哎|哎呀|唉，}{本来|原本}{挺期待的|以为很好|挺喜欢的|想送人的}，{结果|没想到|可惜}{p}{一般般|不太好|跟想象的不一样|有瑕疵}",
        "{不是很满意|不太满意|有点失望|太失望了|不满意|不怎么满意}{，|。|}{p}{质量一般|做工粗糙|颜色不对|不太好用|}",
        "{p}{跟想象的不一样|没有图片上好看|有色差|尺码偏小|有点小|有点旧|有划痕}{，|。|}{有点失望|唉|算了|}",
        "质量{一般|不怎么样|不行|一般般|差了点}{，|。|}{不太推荐|不值这个价|就这样吧|}",
        "{老顾客了|买了好几次了|第二次买了}，这次{有点失望|太让人失望了|不如以前|质量下降了}",
        "{感觉|觉得}{不值这个价|性价比不高|被忽悠了|一般}{，|。|}{唉|哎|算了|}",
        "{用了|穿了}{两|三|几}天{就|}{不行了|起球了|掉色了|松了}{，唉|，失望|。|}",
        "{效果|味道|手感|声音}{不明显|没有以前好|一般|不太行}{，|。|}{有点失望|不太满意|}",
        "{等了这么久|期待了这么久}{就这|就这样|结果这样}{？|。|…}{唉|失望|}",
        "{没想象中|没有说的那么}{好用|好|久|大}{，|}{有点失望|唉|}",
        "{不是|不太是}我想要的{效果|颜色|款式}{，唉|，有点失望|}",
    ],
    "satisfied": [
        "收到了{，|！|}{很好用|质量不错|非常满意|很喜欢|超喜欢}{，|！|}谢谢{亲|客服|老板|}{[微笑]|👍|😊|}",
        "{p}{挺好的|很不错|超赞|物超所值|质量很好|好用}{！|，推荐|，好评|}",
        "{发货好快|物流很快|快递很快|第二天就到了}{，|！}{好评|五星好评|给个好评|点赞}{！|👍|}",
        "{客服|亲}{态度很好|很耐心|很专业|服务周到}{，|！}{谢谢|感谢|点赞|好评}{[抱拳]|😊|}",
        "{下次还来|会回购的|已推荐给朋友|还会再买|一直在你们家买}{！|～|}",
        "{非常|很|特别|超级}{满意|喜欢|好用|划算}{！|！！|}",
        "{问题|售后}{解决了|处理得很快|处理得很好}{，|！}{谢谢|感谢|辛苦了}{！|[微笑]|}",
        "{退款|换货|补发}{收到了|很顺利|已经到了}{，|}{谢谢|满意|服务很好}",
        "{包装|做工|手感|颜色}{很好|很用心|精致|漂亮}{，|！}{满意|好评|喜欢}",
        "{比想象的|比实体店|比图片}{好|还好|便宜还好}{，|！}{赞|满意|开心}",
        "{p}{收到了|到了}，{跟图片一样|正品|很新|效果很好}{，|！}{满意|好评|谢谢}",
    ],
    "neutral": [
        "{请问|你好，|亲，|}{p}有{货|现货|黑色|其他颜色|大码}吗{？|}",
        "{p}{多大|多重|什么材质|保修多久|怎么用|是新款吗|有几种颜色}{？|}",
        "{发什么快递|几天能到{city}|默认什么快递|能发{c}吗|今天能发吗}{？|}",
        "好的{，|}{我知道了|那我先拍了|我下单了|我等等|明白了}",
        "{在吗|你好|您好|亲|客服你好}{？|}",
        "{收货|我的}地址{改成|换成}{city}{市|}{，|}{麻烦了|谢谢|}",
        "{能开发票吗|可以用花呗吗|支持分期吗|包邮吗|有优惠券吗|有赠品吗}{？|}",
        "{p}和{p}有什么区别{？|}",
        "{怎么|如何}{申请退货|安装|使用|开发票|改地址|用优惠券}{？|}",
        "{已付款|已下单|拍好了|付好了}{，|}{麻烦|请|}{尽快发货|备注一下|看一下}{，谢谢|}",
        "{嗯嗯|好的|哦哦|知道了|可以|行|ok}",
        "{单号|订单号}是{多少|哪个}{？|}",
    ],
}  # fmt: skip

# Cross-cutting variations: negated praise is not satisfaction.
NEGATED = [
    ("不是很{满意|好用|喜欢}", "disappointed"),
    ("{没有|没}{想象|说}的{好|那么好|那么好用}", "disappointed"),
    ("{不太|不怎么|不是特别}{满意|喜欢|好用}{，|。|}{一般吧|凑合|}", "disappointed"),
    ("{不|别|不要}{生气|着急}{，|}{我|}{就|}{问问|想问下}{p}{有货吗|什么时候发}", "neutral"),
    ("{不是不满意|没有不满意|不是不好}{，|}就是{想问问|有点小问题|想换个颜色}", "neutral"),
    ("{一点都不|根本不|完全不}{好用|满意|值}{，|！}{垃圾|骗人|退钱}", "angry"),
]

# ---------------------------------------------------------------------------------------
# Intent templates: (stage, objection or "") -> templates
INTENT_TEMPLATES: dict[tuple[str, str], list[str]] = {
    ("greeting", ""): [
        "{在吗|在不在|在？|有人吗|你好|您好|亲在吗|哈喽|hi|hello|老板在吗|掌柜在吗|客服在吗}{？|～|}",
        "{你好|您好|亲}{，|}{想咨询一下|我想问一下|请问一下|打扰一下}",
        "{早上好|中午好|下午好|晚上好}{，|}{客服|亲|老板|}",
    ],
    ("product", ""): [
        "{请问|你好，|亲，|}{p}有{货|现货|黑色|白色|大码|小码|其他颜色}吗{？|}",
        "{p}{多大|多重|多长|什么材质|什么颜色|保质期多久|续航多久|功率多少|怎么选|是正品吗|是新款吗}{？|}",
        "{p}和{p}有什么区别{？|}",
        "{p}{适合|能给}{老人|小孩|学生|敏感肌|大户型|户外}{用|}吗{？|}",
        "{我|}身高{160|170|175|180}{，|}体重{50|60|70|80}{kg|斤|公斤}穿什么码{？|}",
        "{p}{防水吗|支持蓝牙吗|能机洗吗|有说明书吗|有几个通道|能飞多高|能定制吗}{？|}",
        "{p}什么时候{补货|上新|到货}{？|}",
        "{推荐|帮我推荐}一{款|个}{适合我的|性价比高的|送人的}{p}{吧|呗|}",
    ],
    ("bargaining", ""): [
        "{有没有|有}{优惠券|满减|赠品|活动|折扣}{吗|啊|}{？|}",
        "{能不能|可以}{包邮|送赠品|送个小礼物|用店铺券}{吗|啊|}{？|}",
        "{买两件|多买|老客户|团购}{能|有}{优惠|打折|便宜}吗{？|}",
        "{双十一|618|过几天|下个月}{会|}{降价|有活动}吗{？|}",
        "最低{多少钱|什么价|能多少}{？|}",
    ],
    ("bargaining", "think_about_it"): [
        "我{再|}{考虑一下|考虑考虑|想想|想一想|看看|对比一下}{吧|哈|啊|}",
        "{我|}{回去|先}{跟老公|跟老婆|跟家里人|跟朋友|}商量一下{再说|}",
        "{先收藏了|先加购物车|我先看看别的}{，|}{过两天|回头|想好了}再{说|买|来}",
    ],
    ("bargaining", "too_expensive"): [
        "{太贵了|好贵啊|这么贵|贵了点|有点贵|价格有点高|超出预算了}{吧|啊|！|}",
        "{p}{太贵了|卖这么贵|价格太高了|贵得离谱}{，|}{买不起|下不去手|}",
        "{比我想的|比预算}贵{多了|太多了|不少}",
    ],
    ("bargaining", "market_bad"): [
        "{现在|今年|最近}{经济不好|行情不好|生意难做|市场不景气|大家都没钱}{，|}{便宜点吧|能优惠吗|}",
        "{这年头|现在}{赚钱不容易|钱难挣|手头紧}{，|}{少点呗|便宜点|}",
    ],
    ("bargaining", "cheaper_please"): [
        "{能不能|可以}便宜{一些|点|一点}{吗|啊|嘛|}{？|}",
        "{再|}便宜{50|一百|点|一点}{我就拍了|我就要了|就下单|}",
        "{抹个零|少点|打个折|给个优惠价|便宜点}{吧|呗|嘛|}{老板|亲|}",
    ],
    ("bargaining", "cheaper_elsewhere"): [
        "{shop}{才卖|只卖|卖}{price}{，|}{你们怎么这么贵|能便宜点吗|}",
        "{能不能|可以}便宜点{，|}{shop}{才卖|只要|卖}{price}",
        "{shop}{比你们便宜|便宜好多|同款便宜|便宜{price}}{，|}{能不能少点|你们为什么贵|}",
    ],
    ("bargaining", "worth_it"): [
        "{真的|}值这个价吗{？|}",
        "{这个价格|花这么多钱|{price}块}{值吗|值得吗|值不值}{？|}",
        "{质量|做工}对得起这个价{吗|格吗}{？|}",
        "{会不会|是不是}买贵了{？|}",
    ],
    ("bargaining", "no"): [
        "{不要了|不需要|不用了|算了不买了|没兴趣|不考虑了|不买了}{，|}{谢谢|}",
    ],
    ("payment", ""): [
        "{可以|能|支持}{用花呗|用借呗|分期|货到付款|信用卡|微信支付|找人代付|白条}{付款|支付|}吗{？|}",
        "{付款|支付}{失败了|不成功|一直转圈}{，|}{怎么办|怎么回事}{？|}",
        "{钱扣了|扣款了|付了钱}{但是|}{订单没显示|还显示未付款|扣了两次}{，怎么办|}",
        "{能|可以}开{发票|专票|电子发票|普票}吗{？|}",
        "{已付款|已经付了|付好了|拍了付了}{，|}{麻烦尽快发货|看一下|}",
        "{定金|尾款}{怎么付|什么时候付|能退吗}{？|}",
    ],
    ("logistics", ""): [
        "{发什么快递|默认什么快递|能发{c}吗|可以指定快递吗}{？|}",
        "{几天能到|多久能到|什么时候能到}{city}{？|}",
        "{什么时候发货|今天能发货吗|发货了吗|还没发货吗}{？|？？|}",
        "我的{快递|包裹}{怎么还没到|到哪了|还没收到}{？|？？？}{都{d}天了|}",
        "物流{d}天{没动了|没更新}{，|}{怎么回事|帮我查一下|是不是丢了}{？|}",
        "{快递|物流}显示{签收|已送达}了{但是|}我没收到{啊|？|}",
        "{帮我|麻烦}{催一下|查一下|看看}{快递|物流|单号}{吧|}",
        "{能|可以}{改地址|改收货地址|送货上门|加急}吗{？|}",
        "{地址|收件人|电话}{填错了|写错了}{，|}{能改吗|帮我改一下}",
    ],
    ("return_exchange", ""): [
        "{我想|我要|怎么|能不能}{退货|换货|退换|换个颜色|换个尺码|换大一号|换小一号}{？|吗|}",
        "{支持|有}{七天无理由|运费险|退货运费险}吗{？|}",
        "{退货|换货}{地址是哪里|运费谁出|要寄回什么|怎么申请|流程是什么}{？|}",
        "{p}{尺码不合适|不喜欢|发错了|收到是坏的|有色差}{，|}{能换吗|想退掉|要换一个|可以退吗}",
        "{拆封了|用过了|吊牌剪了}{还能|能}{退吗|换吗}{？|}",
        "{已经寄回了|退货寄出了}{，|}单号是{SF|YT|ZT}{12345678|98765432}",
    ],
    ("refund", ""): [
        "{我要|我想|申请}{退款|仅退款|部分退款}{！|}",
        "退款{什么时候到账|怎么还没到|进度怎么样了|被拒绝了|退到哪了}{？|？？|}",
        "{少发了|漏发了|差价}{一件|}{，|}{退差价吧|能退钱吗|给我退款}",
        "{取消订单了|没收到货|拒收了}{，|}{钱什么时候退|能退款吗|怎么退款}{？|}",
        "{多扣的钱|重复扣的钱|运费}{退给我|能退吗|怎么退}",
    ],
    ("repair", ""): [
        "{p}{坏了|不开机了|开不了机|充不进电|黑屏了|有异响|漏水了|死机了|连不上蓝牙}{，|}{怎么办|能修吗|怎么处理}{？|}",
        "{p}{能保修吗|保修多久|怎么维修|在哪维修|要寄回维修吗}{？|}",
        "{怎么|如何}{安装|设置|升级固件|连接|调试|使用}{p}{？|}",
        "{冷水机|12kW冷水机}{报警了|不制冷|显示故障码|漏液}{，|}{怎么处理|怎么办}",
        "{翼龙F40|无人机}{连不上遥控器|飞不起来|图传断了|电池鼓包}{，|}{怎么办|}",
        "{AFG2100|信号发生器}{没有波形输出|通道不工作|频率不准|开机报错}{，|}{怎么回事|怎么办}",
        "{有|你们有}{安装教程|售后电话|说明书|视频教程}吗{？|}",
    ],
    ("complaint", ""): [
        "我要{投诉|举报|维权|打12315|找平台介入|曝光你们}{！|！！|}",
        "{你们|客服}{态度太差了|骂人|不理人|一直敷衍|不负责任}{，|！}{我要投诉|叫你们领导来|}",
        "{什么破东西|垃圾|骗子|假货|黑店}{！|！！|，}{我要投诉|退钱|}",
        "{说好的|承诺的}{赠品|包邮|退款|时间}{没兑现|没给|呢}{，|！|？}{我要投诉|骗人|}",
        "叫你们{经理|领导|老板|负责人}出来{！|}",
    ],
    ("review", ""): [
        "收到了{，|}{很好用|很满意|质量不错|很喜欢}{，|}{好评|五星好评|谢谢}",
        "{好评|五星好评|给好评了|已经评价了|追评了}{！|～|}",
        "{好评返现|晒图奖励|评价有礼}{怎么弄|怎么领|有吗}{？|}",
        "{评价|差评|中评}{可以|能}{修改|删除|改成好评}吗{？|}",
        "{p}{不错|挺好的|一般般|有点失望|质量一般|跟描述不符}{，|。|}{给个{好评|中评|差评}|}",
    ],
    ("chitchat", ""): [
        "{哈哈|哈哈哈|嗯嗯|哦哦|好的|ok|谢谢|谢谢亲|辛苦了|知道了|明白了|没事了|拜拜|再见|晚安}{～|！|}",
        "{你们|你}{几点下班|在哪个城市|叫什么名字|是机器人吗|吃饭了吗|周末休息吗}{？|}",
        "{今天天气真好|好无聊|随便问问|没什么事}{哈|～|}",
    ],
    ("human", ""): [
        "{转人工|人工客服|我要人工|找人工|转接人工|人工！|真人客服}{！|！！|}",
        "{我不要|不要|别用}机器人{，|}{转人工|叫个真人|找人工|}",
        "{能不能|可以}{让真人|找个人|换人工|转人工}{来|}{回答|回复|}{吗|吧|}{？|}",
        "{机器人|你}听不懂{，|！}{转人工|叫人工来|我要人工}",
    ],
}  # fmt: skip

# ---------------------------------------------------------------------------------------
# Variation: how customers actually type
_SHORTHAND = [("什么", "啥"), ("怎么", "咋"), ("吗？", "嘛？"), ("吗", "嘛"), ("这个", "这"), ("没有", "没"),
              ("你们", "你们家"), ("一下", "下"), ("好的", "好滴"), ("谢谢", "谢啦")]  # fmt: skip
_TYPOS = [("在", "再"), ("的", "得"), ("到", "倒"), ("已经", "以经"), ("怎么", "怎莫"), ("发货", "发或"),
          ("快递", "快第"), ("退款", "退欵"), ("客服", "客付"), ("那", "哪"), ("做", "作")]  # fmt: skip
_EMOJI = {
    "angry": ["[发怒]", "😡", "😠", "[怒]", "🤬", "[咒骂]", "💢"],
    "anxious": ["😭", "[流泪]", "😰", "🙏", "[大哭]", "[快哭了]", "😢"],
    "disappointed": ["😔", "[难过]", "😞", "[委屈]", "[失望]", "💔"],
    "satisfied": ["😊", "👍", "[微笑]", "😍", "[抱拳]", "[强]", "❤️", "[鼓掌]"],
    "neutral": ["[微笑]", "🙂", "[疑问]", "🤔"],
}
_INTENSIFY = {"angry": ["！！！", "!!!", "？？？"], "anxious": ["？？？", "???", "！！"]}


def vary(text: str, rng: random.Random, label: str = "neutral") -> str:
    """One realistic variation of ``text``; the label only picks fitting emoji."""
    out = text
    if rng.random() < 0.35:
        a, b = rng.choice(_SHORTHAND)
        out = out.replace(a, b, 1)
    if rng.random() < 0.15:
        a, b = rng.choice(_TYPOS)
        out = out.replace(a, b, 1)
    if rng.random() < 0.25:
        out = out.rstrip("？?！!。，,") + rng.choice(_EMOJI.get(label, _EMOJI["neutral"]))
    if label in _INTENSIFY and rng.random() < 0.3:
        out = out.rstrip("？?！!。，,") + rng.choice(_INTENSIFY[label])
    if rng.random() < 0.2:
        out = out.replace("？", "?").replace("！", "!").replace("，", ",")
    if rng.random() < 0.15:
        out = re.sub(r"[，。,]", " ", out)
    if rng.random() < 0.3:
        out = _s2t(rng.random() < 0.5).convert(out)
    return out.strip()


_S2T: dict[bool, object] = {}


def _s2t(taiwan: bool):
    if taiwan not in _S2T:
        import opencc

        _S2T[taiwan] = opencc.OpenCC("s2twp" if taiwan else "s2t")
    return _S2T[taiwan]


def read_seed(path: Path) -> dict[str, list[str]]:
    """Sections ``## label [extra]`` of a seed file to their lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("## "):
            current = line[3:].strip()
            sections.setdefault(current, [])
        elif line and not line.startswith("#") and current is not None:
            sections[current].append(line)
    return sections


def _grow(rows: set[str], make: Iterator[str] | None, target: int, limit: int) -> None:
    if make is None:
        return
    tries = 0
    while len(rows) < target and tries < limit:
        rows.add(next(make))
        tries += 1


def _from_templates(templates: list[str], rng: random.Random, label: str) -> Iterator[str]:
    while True:
        text = expand(rng.choice(templates), rng)
        yield vary(text, rng, label) if rng.random() < 0.7 else text


def emotion_examples(per_class: int = 600, neutral_extra: int = 500, seed: int = SEED) -> list[tuple[str, str]]:
    """(text, label) examples for the emotion model: seeds, their variations, templates."""
    rng = random.Random(seed)
    seeds = read_seed(DATA_DIR / "emotion_seed.txt")
    out: list[tuple[str, str]] = []
    for label in EMOTIONS:
        rows: set[str] = set()
        for line in seeds.get(label, []):
            rows.add(line)
            rows.add(vary(line, rng, label))
            rows.add(vary(line, rng, label))
        negated = [t for t, lab in NEGATED if lab == label]
        if negated:
            _grow(rows, _from_templates(negated, rng, label), len(rows) + 60, 600)
        _grow(rows, _from_templates(EMOTION_TEMPLATES[label], rng, label), per_class, per_class * 20)
        if label == "neutral":
            # Plain business questions, bargaining, greetings and 转人工 carry no emotion.
            calm = sorted(t for t, stage, _ in intent_examples(seed=seed) if stage in _CALM_STAGES)
            rows.update(rng.sample(calm, min(len(calm), neutral_extra)))
        out.extend((text, label) for text in sorted(rows))
    return out


_CALM_STAGES = {"greeting", "product", "bargaining", "payment", "chitchat", "human"}


def intent_examples(per_stage: int = 320, per_objection: int = 120, seed: int = SEED) -> list[tuple[str, str, str]]:
    """(text, stage, objection) examples for the intent model."""
    rng = random.Random(seed)
    seeds = read_seed(DATA_DIR / "intent_seed.txt")
    # Praise after delivery is what a review says: the satisfied chat seeds count as reviews too.
    seeds["review"] = seeds.get("review", []) + read_seed(DATA_DIR / "emotion_seed.txt").get("satisfied", [])
    keys = list(INTENT_TEMPLATES)
    for key in seeds:
        parts = key.split()
        k = (parts[0], parts[1] if len(parts) > 1 else "")
        if k not in keys:
            keys.append(k)
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for stage, objection in keys:
        rows: set[str] = set()
        for line in seeds.get(f"{stage} {objection}".strip(), []):
            rows.add(line)
            rows.add(vary(line, rng))
            rows.add(vary(line, rng))
        target = per_objection if objection else per_stage
        templates = INTENT_TEMPLATES.get((stage, objection))
        _grow(rows, _from_templates(templates, rng, "neutral") if templates else None, target, target * 20)
        for text in sorted(rows):
            if text not in seen:  # the same text under two labels would only confuse the model
                seen.add(text)
                out.append((text, stage, objection))
    return out


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(header))
        for row in rows:
            writer.writerow(list(row))
            n += 1
    return n


def build_examples() -> dict[str, int]:
    """Regenerate the shipped example CSVs from the seeds and templates (deterministic)."""
    return {
        "emotion": write_csv(EMOTION_EXAMPLES, ("text", "label"), emotion_examples()),
        "intent": write_csv(INTENT_EXAMPLES, ("text", "stage", "objection"), intent_examples()),
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------
# Training runs
def chat_sentiment_examples() -> list[tuple[str, str]]:
    """Return the shipped chat examples as sentiment: satisfied positive; angry, disappointed negative."""
    polarity = {"satisfied": "positive", "angry": "negative", "disappointed": "negative"}
    return [(r["text"], polarity[r["label"]]) for r in read_csv(EMOTION_EXAMPLES) if r["label"] in polarity]


def read_reviews(path: str | Path) -> list[tuple[str, str]]:
    """Reviews for sentiment training: CSV ``text,label`` with positive/negative or 1/0."""
    from kefu.assist.evaluation import read_labelled_csv

    return [(t, label) for t, label in read_labelled_csv(path, sentiment=True) if label in ("positive", "negative")]


def train_all(
    out_dir: str | Path = MODELS_DIR,
    *,
    reviews: str | Path | None = None,
    intent_extra: Iterable[tuple[str, ...]] = (),
    emotion_extra: Iterable[tuple[str, str]] = (),
    progress=None,
    log=print,
    only: Iterable[str] = ("emotion", "intent", "sentiment"),
) -> dict[str, Path]:
    """Train and save the emotion, intent and sentiment models (deterministic).

    Sentiment learns from ``reviews`` (a CSV of labelled product reviews) plus the shipped
    chat examples; without ``reviews`` it learns from the chat examples alone (weaker on long
    reviews).
    """
    from kefu.assist.emotion import train_emotion
    from kefu.assist.intent import train_intent
    from kefu.assist.sentiment import forget_models, train_sentiment

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved: dict[str, Path] = {}

    only = set(only)
    if "emotion" in only:
        emotion_rows = [(r["text"], r["label"]) for r in read_csv(EMOTION_EXAMPLES)]
        extra_emotions = list(emotion_extra)
        log(f"emotion: {len(emotion_rows)} shipped examples + {len(extra_emotions)} extra")
        saved["emotion"] = train_emotion(emotion_rows + extra_emotions).save(out / "emotion.npz")
    if "intent" in only:
        extra = list(intent_extra)
        log(f"intent: {len(read_csv(INTENT_EXAMPLES))} shipped examples + {len(extra)} extra")
        saved["intent"] = train_intent(extra).save(out / "intent.npz")
    if "sentiment" not in only:
        forget_models()
        return saved

    rows = chat_sentiment_examples()
    if reviews:
        review_rows = read_reviews(reviews)
        log(f"sentiment: {len(review_rows)} reviews from {reviews} + {len(rows)} chat examples")
        rows = review_rows + rows
    else:
        log(f"sentiment: {len(rows)} chat examples (no --reviews file given)")
    texts, labels = zip(*rows, strict=True)
    saved["sentiment"] = train_sentiment(list(texts), list(labels), progress=progress).save(out / "sentiment.npz")
    forget_models()
    return saved

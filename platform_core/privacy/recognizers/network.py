"""IP addresses and links to a person (profiles)."""

import re

from platform_core.privacy.presidio import NlpArtifacts, RecognizerResult
from platform_core.privacy.recognizers.base import IP_ADDRESS, URL, TroupeRecognizer, any_of
from platform_core.privacy.view import ci

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IP_DOT = r"[.。]"  # a dot, or the Chinese full stop written for one
_PORT = r"(?::[0-9]{1,5}(?![0-9]))"
# Four small numbers (each at most 20) or a last number 0 are as often a version ("MIUI 14.0.3.0",
# "1.2.0.5") as an address: those score low and need a context word ("IP", "服务器" …) to count.
_VERSION_SHAPED = re.compile(r"(?:(?:1?[0-9]|20)\.){3}(?:1?[0-9]|20)|(?:[0-9]{1,3}\.){3}0")
_VERSION_SHAPED_SCORE = 0.3
_PORT_OR_PREFIX = re.compile(r"[:/][0-9]+$")
_IPV6 = r"(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})(?::[0-9a-f]{1,4}){0,5}|(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"


class IpAddressRecognizer(TroupeRecognizer):
    """IPv4 (with its port or prefix length, ``::ffff:``-mapped too, "。" for dots) and IPv6 (full,
    compressed, or in brackets with a port)."""

    entity = IP_ADDRESS
    patterns_spec = (
        (
            "ip",
            any_of(
                r"(?<![0-9A-Za-z_.。])(?:::ffff:)?"
                + rf"(?:{_OCTET}{_IP_DOT}){{3}}{_OCTET}"
                + rf"(?:{_PORT}|/[0-9]{{1,2}}(?![0-9]))?(?![0-9A-Za-z_]|{_IP_DOT}[0-9])",
                r"(?<![0-9a-f])(?<![0-9a-f]:)(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})(?::[0-9a-f]{1,4}){0,5}(?![0-9a-f:])",
            ),
            0.6,
        ),
        (
            "ipv6_full",
            any_of(
                r"(?<![0-9a-f])(?<![0-9a-f]:)(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![0-9a-f:])",
                rf"\[(?:{_IPV6})\]{_PORT}?",
            ),
            0.7,
        ),
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None, regex_flags: int | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            address = _PORT_OR_PREFIX.sub("", text[result.start : result.end].replace("。", "."))
            if _VERSION_SHAPED.fullmatch(address):
                result.score = min(result.score, _VERSION_SHAPED_SCORE)
        return results

    context_words = (
        "ip", "地址", "服务器", "server", "host", "vpn", "ssh", "dns", "ping", "nas", "router", "路由", "网关", "gateway",
        "proxy", "代理", "whitelist", "白名单", "port", "端口", "connect", "连", "内网", "公网", "login", "登录",
    )  # fmt: skip
    negative_context = (
        "版本", "版", "version", "build", "release", "固件", "firmware", "chrome", "python", "ios", "android", "更新",
        "升级", "update", "updating", "upgrade", "miui", "emui", "patch",
    )  # fmt: skip
    prefilter = (
        "[0-9０-９]{1,3}[.．。][0-9０-９]{1,3}[.．。][0-9０-９]{1,3}[.．。][0-9０-９]{1,3}"
        "|[:：][:：]|(?:[0-9A-Fa-f０-９Ａ-Ｆａ-ｆ]{1,4}[:：]){3}"
    )


_SOCIAL = (
    r"(?:weibo\.com|weibo\.cn|github\.com|gitee\.com|twitter\.com|x\.com|instagram\.com|facebook\.com|fb\.com|"
    r"linkedin\.com/in|space\.bilibili\.com|bilibili\.com/space|douyin\.com/user|xiaohongshu\.com/user/profile|"
    r"zhihu\.com/people|tiktok\.com|youtube\.com|reddit\.com/u(?:ser)?|medium\.com|vk\.com|douban\.com/people|"
    r"steamcommunity\.com/(?:id|profiles)|pixiv\.net/(?:en/)?users|kuaishou\.com/profile|threads\.net|patreon\.com|"
    r"ko-fi\.com|linktr\.ee|behance\.net|dribbble\.com|artstation\.com|deviantart\.com|twitch\.tv|pinterest\.com|"
    r"soundcloud\.com|flickr\.com/people|vimeo\.com|snapchat\.com/add)"
)
# Sites where a person is the first path segment (site.com/name), and first segments there that
# lead to content instead ("youtube.com/watch?v=…", "instagram.com/p/…").
_NAME_FIRST_HOSTS = frozenset(
    "weibo.com weibo.cn twitter.com x.com instagram.com facebook.com fb.com tiktok.com youtube.com medium.com vk.com "
    "threads.net patreon.com ko-fi.com linktr.ee behance.net dribbble.com artstation.com deviantart.com twitch.tv "
    "pinterest.com soundcloud.com vimeo.com".split()
)
_NOT_A_PERSON = frozenset(
    "watch results shorts playlist embed feed hashtag search explore p reel reels tv stories i intent share sharer "
    "home login signup about help settings policies legal jobs topics trending video videos notifications messages "
    "privacy terms events groups pages marketplace posts post pin gallery galleries discover directory channels "
    "categories tag tags shop blog".split()
)
# On code hosts a person is github.com/name; a link deeper than a repository (issues, pulls, files)
# is to content.
_CODE_HOSTS = ("github.com", "gitee.com")
_REST = r"(?:[/?#][^\s，。！？、）)]*)?"


class UrlRecognizer(TroupeRecognizer):
    """Links to a person: a profile on a social site, a personal sub-domain (``name.lofter.com``),
    or any URL path naming a user; a share short link (``b23.tv/…``, ``xhslink.com/…``) only with
    a context word ("主页", "关注", "profile", "follow" …)."""

    entity = URL
    patterns_spec = (
        (
            "social_profile",
            any_of(
                rf"(?<![a-z0-9.-])(?:https?://)?(?:www\.|m\.)?{_SOCIAL}/(?:@|(?:u|user|users|people|profile|id)/)?[a-z0-9_.~-]{{2,64}}{_REST}",
                r"(?<![a-z0-9.-])(?:https?://)?(?!www\.)[a-z0-9][a-z0-9_.-]{1,40}\."
                rf"(?:lofter\.com|substack\.com|tumblr\.com|blogspot\.com|github\.io)(?![a-z0-9.-]){_REST}",
            ),
            0.7,
        ),
        (
            "user_path",
            r"https?://[a-z0-9.-]+\.[a-z]{2,}(?::[0-9]{2,5})?/(?:[^\s/]+/)*(?:~|@|(?:u|user|users|people|profile|member|members|space|home|author|authors)/)"
            r"[a-z0-9_.%-]{2,64}(?:/[^\s，。！？、）)]*)?",
            0.7,
        ),
        (
            "short_link",
            r"(?<![a-z0-9.-])(?:https?://)?(?:xhslink\.com|v\.douyin\.com|b23\.tv|v\.kuaishou\.com|t\.cn|dwz\.cn|url\.cn)/[a-z0-9_-]{3,32}/?",
            0.3,
        ),
    )
    context_words = (
        "主页", "链接", "关注", "作品集", "空间", "我的号", "联系我", "b站", "抖音", "小红书", "profile", "page", "follow",
        "portfolio", "find me", "contact me", "insta", "github", "connect", "bio",
    )  # fmt: skip
    prefilter = (
        "[:：][/／][/／]|[.．][A-Za-zＡ-Ｚａ-ｚ]{2,6}[/／]|[.．](?:"
        + "|".join(ci(host) for host in ("lofter", "substack", "tumblr", "blogspot", "github"))
        + ")[.．]"
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        address = re.sub(r"^(?:https?://)?(?:www\.|m\.)?", "", pattern_text.lower())
        host, _, path = address.partition("/")
        segments = [segment for segment in re.split(r"[/?#]", path) if segment]
        if host in _CODE_HOSTS:
            return len(segments) > 2
        return host in _NAME_FIRST_HOSTS and bool(segments) and segments[0] in _NOT_A_PERSON

"""``FakeGoogle``: the YouTube fake plus Google's OAuth 2.0 endpoints, the Data API reads and the
YouTube Analytics API v2, on one local server (every client is pointed at ``url``).

OAuth (https://developers.google.com/identity/protocols/oauth2/web-server):
- ``GET /o/oauth2/auth``: consents at once (as the user set in ``consent``) and redirects (302)
  to ``redirect_uri`` with ``code`` and ``state`` and the granted ``scope``, or
  ``error=access_denied``. PKCE S256 is required, as for a public or confidential web client.
- ``POST /token``: ``authorization_code`` (checks client, redirect URI and the PKCE verifier;
  answers access + refresh token and the granted scopes) and ``refresh_token`` (``invalid_grant``
  once the grant is revoked). Client credentials in the body or HTTP Basic.
- ``POST /revoke?token=``: revokes the whole grant (refresh or access token given).

Data API: ``GET /youtube/v3/channels?mine=true`` and ``GET /youtube/v3/videos?id=a,b`` (parts
snippet, statistics, status, processingDetails; at most 50 ids; deleted videos are absent).
Analytics: ``GET /v2/reports`` (``ids=channel==MINE``, dimensions ``day`` or ``video,day``,
``filters=video==a,b``): ``columnHeaders`` plus ``rows``, ``rows`` left out when there are none.
Monetary metrics need the monetary scope (403 ``forbidden`` otherwise).

Public data with an API key (``key=``, no OAuth): ``GET /youtube/v3/videos?chart=mostPopular``
(``regionCode``, ``videoCategoryId``, parts snippet and statistics) and ``GET /youtube/v3/search``
(``q`` matched word by word against titles, ``type=video``, ``order=viewCount``; snippet only,
as YouTube answers: statistics need a videos.list by id). Both count in ``calls``.

A long GET arrives as a POST with ``X-HTTP-Method-Override: GET`` and the query in the body, as
google-api-python-client sends it past 2,048 characters.

Faults besides the base ones: ``fail_next(kind="videos.list" | "reports" | "channels.list")``,
``expire_access_tokens()``, ``malform_next(kind)`` (an answer without its required field).

Longer than our ~400-line modules on purpose: it is one server because google-auth and
google-api-python-client are each pointed at one base URL and the OAuth grant it issues is what
the Data and Analytics endpoints check, so the three share their state (grants, videos, days).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.fakes.youtube_server import FakeYouTube, _Handler, error_body

SCOPE = "https://www.googleapis.com/auth/"
UPLOAD, READONLY = SCOPE + "youtube.upload", SCOPE + "youtube.readonly"
ANALYTICS, MONETARY = SCOPE + "yt-analytics.readonly", SCOPE + "yt-analytics-monetary.readonly"
ALL_SCOPES = (UPLOAD, READONLY, ANALYTICS, MONETARY)
CLIENT_ID, CLIENT_SECRET = "fake-client.apps.googleusercontent.com", "fake-client-secret"
MONETARY_METRICS = {"estimatedRevenue", "cpm", "playbackBasedCpm", "adImpressions",
                    "estimatedAdRevenue", "grossRevenue"}
INTEGER_METRICS = {"views", "estimatedMinutesWatched", "averageViewDuration", "likes",
                   "comments", "shares", "subscribersGained", "subscribersLost", "adImpressions"}


@dataclass
class Grant:
    """One user's consent to our client: the channel it speaks for and the scopes granted."""

    channel_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class Consent:
    """What the fake user answers on the consent screen."""

    channel_id: str = "UCfakechannel0000000001"
    title: str = "Fake Space Channel"
    deny: bool = False
    drop_scopes: tuple[str, ...] = ()
    """Scopes the user unticks (Google's granular consent)."""


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    challenge: str
    grant: Grant


@dataclass
class Access:
    grant: Grant
    expired: bool = False


@dataclass
class VideoFacts:
    """What YouTube knows of a video besides its upload: statistics, processing, daily report."""

    channel_id: str
    statistics: dict[str, str] = field(default_factory=lambda: {
        "viewCount": "0", "likeCount": "0", "commentCount": "0", "favoriteCount": "0"})
    daily: dict[str, dict[str, float]] = field(default_factory=dict)  # day -> metric -> value


class FakeGoogle(FakeYouTube):
    def __init__(self, refresh_token: str = "fake-refresh-token") -> None:
        super().__init__(refresh_token)
        self.consent = Consent()
        self.channel_titles: dict[str, str] = {}
        self.codes: dict[str, Code] = {}
        self.grants: dict[str, Grant] = {refresh_token: Grant("UCoperator", ALL_SCOPES)}
        self.access: dict[str, Access] = {self.access_token: Access(self.grants[refresh_token])}
        self.facts: dict[str, VideoFacts] = {}
        self.processing: dict[str, dict[str, str]] = {}  # video id -> processingDetails
        self.malformed: list[str] = []
        self.api_key = "fake-api-key"
        self.public: dict[str, dict[str, Any]] = {}  # id -> title, views, region, category

    # --- the world, as a test sets it up ------------------------------------------------------

    def add_video(self, video_id: str, channel_id: str, upload_status: str = "processed") -> None:
        self.videos[video_id] = {"kind": "youtube#video", "id": video_id, "snippet": {},
                                 "status": {"uploadStatus": upload_status}}
        self.facts.setdefault(video_id, VideoFacts(channel_id))

    def add_public_video(self, video_id: str, title: str, views: int, region: str = "US",
                         category: str = "27") -> None:
        """A video anyone can list: in the region's most popular of its category."""
        self.public[video_id] = {"title": title, "views": views, "region": region,
                                 "category": category}

    def set_views(self, video_id: str, views: int) -> None:
        self.public[video_id]["views"] = views

    def set_statistics(self, video_id: str, views: int, likes: int = 0, comments: int = 0) -> None:
        self._facts(video_id).statistics.update(viewCount=str(views), likeCount=str(likes),
                                                commentCount=str(comments))

    def set_daily(self, video_id: str, day: date, **metrics: float) -> None:
        self._facts(video_id).daily.setdefault(day.isoformat(), {}).update(metrics)

    def _facts(self, video_id: str) -> VideoFacts:
        """A video's facts; one uploaded through the API belongs to the channel of the grant
        that uploaded it (the fake's first grant: uploads do not say whose token sent them)."""
        first = next(iter(self.grants.values()))
        return self.facts.setdefault(video_id, VideoFacts(first.channel_id))

    def set_status(self, video_id: str, upload_status: str, reason: str | None = None) -> None:
        status = self.videos[video_id]["status"]
        status["uploadStatus"] = upload_status
        if upload_status == "failed":
            status["failureReason"] = reason or "codec"
        if upload_status == "rejected":
            status["rejectionReason"] = reason or "copyright"

    def set_processing(self, video_id: str, processing_status: str,
                       failure_reason: str | None = None) -> None:
        """processingDetails as YouTube reports it apart from uploadStatus (``terminated``: no
        longer reported; ``failed`` with a processingFailureReason, uploadStatus unchanged)."""
        self.processing[video_id] = {"processingStatus": processing_status, **(
            {"processingFailureReason": failure_reason} if failure_reason else {})}

    def processing_of(self, video_id: str) -> dict[str, str]:
        """processingDetails: set by ``set_processing``, else following uploadStatus."""
        if video_id in self.processing:
            return dict(self.processing[video_id])
        upload = self.videos[video_id]["status"]["uploadStatus"]
        return {"processingStatus": "succeeded" if upload == "processed" else
                "failed" if upload in ("failed", "rejected") else "processing"}

    def delete_video(self, video_id: str) -> None:
        self.videos.pop(video_id, None)

    def expire_access_tokens(self) -> None:
        with self.lock:
            for access in self.access.values():
                access.expired = True

    def malform_next(self, kind: str) -> None:
        with self.lock:
            self.malformed.append(kind)

    def grant_for(self, channel_id: str) -> Grant | None:
        return next((g for g in self.grants.values() if g.channel_id == channel_id), None)

    # --- hooks into the base fake -------------------------------------------------------------

    def accepts(self, authorization: str) -> bool:
        return self.access_of(authorization) is not None

    def access_of(self, authorization: str) -> Access | None:
        token = authorization.removeprefix("Bearer ")
        access = self.access.get(token)
        if access is None or access.expired or access.grant.revoked:
            return None
        return access

    def handler_base(self) -> type[BaseHTTPRequestHandler]:
        return _GoogleHandler

    def _malformed(self, kind: str) -> bool:
        with self.lock:
            if kind in self.malformed:
                self.malformed.remove(kind)
                return True
        return False

    @property
    def auth_url(self) -> str:
        return f"{self.url}o/oauth2/auth"

    @property
    def revoke_url(self) -> str:
        return f"{self.url}revoke"


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _GoogleHandler(_Handler):
    fake: FakeGoogle

    def do_GET(self) -> None:
        path, query = self._record()
        one = {k: v[0] for k, v in query.items()}
        if path == "/o/oauth2/auth":
            self._authorize(one)
            return
        if "key" in one and "Authorization" not in self.headers:
            self._public(path, one)
            return
        routes = {"/youtube/v3/channels": ("channels.list", self._channels),
                  "/youtube/v3/videos": ("videos.list", self._videos_list),
                  "/v2/reports": ("reports", self._reports)}
        if path not in routes:
            self._send(404, error_body(404, "notFound", f"no route GET {path}"))
            return
        kind, route = routes[path]
        if not self._authorized() or self._faulted(kind):
            return
        access = self.fake.access_of(self.headers.get("Authorization", ""))
        assert access is not None
        route(one, access.grant, self.fake._malformed(kind))

    def do_POST(self) -> None:
        if self.headers.get("X-HTTP-Method-Override") == "GET":
            # google-api-python-client sends a GET whose URL would pass 2,048 characters as a
            # POST with the query in a form body (Google's APIs accept it); a report for 200
            # videos is one
            query = self._body().decode()
            with self.fake.lock:
                self.fake.calls[f"POST {self.path.split('?')[0]}"] += 1
            self.path += ("&" if "?" in self.path else "?") + query
            self.command = "GET"
            self.do_GET()
            return
        if self.path.split("?")[0] == "/revoke":
            self._record()
            self._revoke()
        else:
            super().do_POST()

    # --- OAuth --------------------------------------------------------------------------------

    def _authorize(self, q: dict[str, str]) -> None:
        fake, consent = self.fake, self.fake.consent
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or \
                q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            self._send(400, {"error": "invalid_request"})
            return
        redirect = q["redirect_uri"]
        if consent.deny:
            answer = {"error": "access_denied", "state": q.get("state", "")}
        else:
            scopes = tuple(s for s in q.get("scope", "").split() if s not in consent.drop_scopes)
            grant = Grant(consent.channel_id, scopes)
            code = "4/" + secrets.token_urlsafe(16)
            with fake.lock:
                fake.codes[code] = Code(CLIENT_ID, redirect, q["code_challenge"], grant)
                fake.channel_titles[consent.channel_id] = consent.title
            answer = {"state": q.get("state", ""), "code": code, "scope": " ".join(scopes)}
        self._send(302, None, {"Location": f"{redirect}?{urlencode(answer)}"})

    def _client_ok(self, form: dict[str, str]) -> bool:
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == CLIENT_ID and secret == CLIENT_SECRET

    def _token(self) -> None:
        if self._faulted("token"):
            return
        form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
        fake = self.fake
        if form.get("grant_type") == "authorization_code":
            with fake.lock:
                code = fake.codes.pop(form.get("code", ""), None)
            if not self._client_ok(form):
                self._send(401, {"error": "invalid_client", "error_description": "Unauthorized"})
            elif code is None or code.redirect_uri != form.get("redirect_uri") or \
                    pkce_challenge(form.get("code_verifier", "")) != code.challenge:
                self._send(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            else:
                refresh = "1//" + secrets.token_urlsafe(24)
                with fake.lock:
                    fake.grants[refresh] = code.grant
                self._issue(code.grant, refresh)
            return
        grant = fake.grants.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or grant is None or grant.revoked:
            self._send(400, {"error": "invalid_grant",
                             "error_description": "Token has been expired or revoked."})
            return
        self._issue(grant, None)

    def _issue(self, grant: Grant, refresh: str | None) -> None:
        access = "ya29." + secrets.token_urlsafe(16)
        with self.fake.lock:
            self.fake.access[access] = Access(grant)
        body = {"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                "scope": " ".join(grant.scopes)}
        if refresh:
            body["refresh_token"] = refresh
        self._send(200, body)

    def _revoke(self) -> None:
        token = parse_qs(self.path.partition("?")[2]).get("token", [""])[0] or \
            parse_qs(self._body().decode()).get("token", [""])[0]
        fake = self.fake
        grant = fake.grants.get(token) or (fake.access[token].grant if token in fake.access
                                           else None)
        if grant is None:
            self._send(400, {"error": "invalid_token", "error_description": "Bad Request"})
            return
        grant.revoked = True
        self._send(200, {})

    # --- Data API reads -------------------------------------------------------------------------

    def _public(self, path: str, q: dict[str, str]) -> None:
        if q["key"] != self.fake.api_key:
            self._send(400, error_body(400, "keyInvalid", "API key not valid"))
            return
        public = self.fake.public
        if path == "/youtube/v3/search" and q.get("type") == "video":
            words = set(q.get("q", "").lower().split())
            ids = [i for i, v in public.items() if words & set(v["title"].lower().split())]
            ids.sort(key=lambda i: -public[i]["views"])
            items = [{"kind": "youtube#searchResult", "id": {"kind": "youtube#video",
                                                              "videoId": i},
                      "snippet": {"title": public[i]["title"]}}
                     for i in ids[:int(q.get("maxResults", 5))]]
            self._send(200, {"kind": "youtube#searchListResponse", "items": items})
            return
        if path != "/youtube/v3/videos":
            self._send(404, error_body(404, "notFound", f"no public route GET {path}"))
            return
        if q.get("chart") == "mostPopular":
            ids = [i for i, v in public.items() if v["region"] == q.get("regionCode", "US")
                   and v["category"] == q.get("videoCategoryId", v["category"])]
            ids.sort(key=lambda i: -public[i]["views"])
            ids = ids[:int(q.get("maxResults", 5))]
        else:
            ids = [i for i in q.get("id", "").split(",") if i in public]
        items = [{"kind": "youtube#video", "id": i, "snippet": {"title": public[i]["title"]},
                  "statistics": {"viewCount": str(public[i]["views"])}} for i in ids]
        self._send(200, {"kind": "youtube#videoListResponse", "items": items})

    def _channels(self, q: dict[str, str], grant: Grant, malformed: bool) -> None:
        if q.get("mine") != "true":
            self._send(400, error_body(400, "badRequest", "only mine=true is served here"))
            return
        item = {"kind": "youtube#channel", "id": grant.channel_id,
                "snippet": {"title": self.fake.channel_titles.get(grant.channel_id, "")}}
        self._send(200, {"kind": "youtube#channelListResponse",
                         "items": [] if malformed else [item]})

    def _videos_list(self, q: dict[str, str], grant: Grant, malformed: bool) -> None:
        ids = [i for i in q.get("id", "").split(",") if i]
        if len(ids) > 50:
            self._send(400, error_body(400, "badRequest", "at most 50 ids per request"))
            return
        parts = set(q.get("part", "").split(","))
        items = []
        for video_id in ids:
            video = self.fake.videos.get(video_id)
            if video is None:
                continue  # deleted (or never there): absent from items, as YouTube does
            facts = self.fake.facts.setdefault(video_id, VideoFacts(grant.channel_id))
            item: dict[str, Any] = {"kind": "youtube#video", "id": video_id}
            if "statistics" in parts:
                item["statistics"] = dict(facts.statistics)
                if malformed:
                    item["statistics"] = {"likeCount": "1"}
            if "status" in parts:
                item["status"] = dict(video["status"])
            if "processingDetails" in parts:
                item["processingDetails"] = self.fake.processing_of(video_id)
            items.append(item)
        self._send(200, {"kind": "youtube#videoListResponse", "items": items,
                         "pageInfo": {"totalResults": len(items), "resultsPerPage": 50}})

    def _reports(self, q: dict[str, str], grant: Grant, malformed: bool) -> None:
        metrics = q.get("metrics", "").split(",")
        dimensions = [d for d in q.get("dimensions", "").split(",") if d]
        if q.get("ids") != "channel==MINE" or not q.get("startDate") or not q.get("endDate") \
                or dimensions not in (["day"], ["video", "day"]):
            self._send(400, error_body(400, "badRequest", "unsupported query"))
            return
        if MONETARY_METRICS & set(metrics) and MONETARY not in grant.scopes:
            self._send(403, error_body(403, "forbidden", "The caller does not have permission"))
            return
        wanted = set(q.get("filters", "").removeprefix("video==").split(",")) - {""}
        totals: dict[tuple[str, ...], dict[str, float]] = {}
        for video_id, facts in self.fake.facts.items():
            if facts.channel_id != grant.channel_id or (wanted and video_id not in wanted):
                continue
            for day, values in facts.daily.items():
                if not q["startDate"] <= day <= q["endDate"]:
                    continue
                key = (video_id, day) if dimensions == ["video", "day"] else (day,)
                row = totals.setdefault(key, {})
                for metric in metrics:
                    row[metric] = row.get(metric, 0) + values.get(metric, 0)
        headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"}
                   for d in dimensions] + [
            {"name": m, "columnType": "METRIC",
             "dataType": "INTEGER" if m in INTEGER_METRICS else "FLOAT"} for m in metrics]
        rows = [[*key, *(_number(m, totals[key][m]) for m in metrics)]
                for key in sorted(totals)]
        body: dict[str, Any] = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
        if rows:
            body["rows"] = rows
        if malformed:
            body.pop("columnHeaders")
        self._send(200, body)


def _number(metric: str, value: float) -> float | int:
    return int(value) if metric in INTEGER_METRICS else value

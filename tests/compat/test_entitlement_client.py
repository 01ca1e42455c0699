"""Category entitlement with the official client (issue 6, youtube-entitlement-roles.md §3.5–3.7), the way an
application such as a video portal uses it: an admin tool (KS ``disableentitlement``, as KMC logs in) builds a
branch, labels it ``MediaSpace``, adds members and entries; the application lists for its user with a USER
KS carrying ``privacycontext:MediaSpace`` and ``list:*``, on a partner with ``FEATURE_ENTITLEMENT`` and
``defaultEntitlementEnforcement`` on."""

from __future__ import annotations

from pathlib import Path

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaCategory,
    KalturaCategoryEntry,
    KalturaCategoryUser,
    KalturaCategoryUserPermissionLevel,
    KalturaEntryStatus,
    KalturaFilterPager,
    KalturaMediaEntry,
    KalturaMediaEntryFilter,
    KalturaMediaType,
    KalturaPrivacyType,
    KalturaSessionType,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
    KalturaUser,
)

from keyframe.partners.models import Partner
from keyframe.roles import service as roles
from keyframe.services import Services
from tests.conftest import LiveServer, PartnerInfo

pytestmark = pytest.mark.compat

APP = "list:*,privacycontext:MediaSpace"


def client_for(server: LiveServer, partner: PartnerInfo, ks: str | None = None) -> KalturaClient:
    config = KalturaConfiguration(partner.id)
    config.serviceUrl = server.url
    client = KalturaClient(config)
    if ks is not None:
        client.setKs(ks)
    return client


def enable_entitlement(services: Services, partner: PartnerInfo) -> None:
    """What Kaltura's Admin Console sets (and `keyframe partner features` / `partner set` here)."""
    with services.db.transaction() as db:
        roles.set_features(db, partner.id, ["FEATURE_ENTITLEMENT"], [])
        db.get_one(Partner, partner.id).default_entitlement_enforcement = True


class Admin:
    """The admin tool's calls, with a KS that disables entitlement (KMC's `disableentitlement,appid:kmc`)."""

    def __init__(self, server: LiveServer, partner: PartnerInfo, tmp_path: Path) -> None:
        self.client = client_for(server, partner)
        # As KMC: the partner's admin user, entitlement disabled.
        ks = self.client.session.start(
            partner.admin_secret,
            partner.admin_email,
            KalturaSessionType.ADMIN,
            partner.id,
            3600,
            "disableentitlement,appid:kmc",
        )
        self.client.setKs(ks)
        self.tmp_path = tmp_path

    def category(self, name: str, parent: int = 0, privacy: int | None = None) -> int:
        category = KalturaCategory()
        category.name = name
        category.parentId = parent
        if privacy is not None:
            category.privacy = privacy
        return int(self.client.category.add(category).id)

    def label(self, category_id: int, label: str) -> None:
        change = KalturaCategory()
        change.privacyContext = label
        assert self.client.category.update(category_id, change).privacyContext == label

    def member(self, category_id: int, user_id: str) -> None:
        member = KalturaCategoryUser()
        member.categoryId = category_id
        member.userId = user_id
        member.permissionLevel = KalturaCategoryUserPermissionLevel.MEMBER
        self.client.categoryUser.add(member)

    def entry(self, name: str, *categories: int, owner: str = "") -> str:
        """A READY entry (content uploaded) in these categories."""
        entry = KalturaMediaEntry()
        entry.name = name
        entry.mediaType = KalturaMediaType.VIDEO
        if owner:
            entry.userId = owner
        added = self.client.media.add(entry)
        token = self.client.uploadToken.add(KalturaUploadToken())
        path = self.tmp_path / f"{added.id}.mp4"
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 1000)
        with path.open("rb") as file:
            self.client.uploadToken.upload(token.id, file, False, True, -1)
        resource = KalturaUploadedFileTokenResource()
        resource.token = token.id
        assert self.client.media.addContent(added.id, resource).status.getValue() == KalturaEntryStatus.READY
        for category_id in categories:
            link = KalturaCategoryEntry()
            link.categoryId = category_id
            link.entryId = added.id
            self.client.categoryEntry.add(link)
        return str(added.id)


def listed(client: KalturaClient) -> set[str]:
    media_filter = KalturaMediaEntryFilter()
    media_filter.orderBy = "-createdAt"
    pager = KalturaFilterPager()
    pager.pageSize = 100
    result = client.media.list(media_filter, pager)
    ids = {e.id for e in result.objects}
    assert result.totalCount == len(ids)
    assert client.media.count(KalturaMediaEntryFilter()) == len(ids)
    return ids


def test_application_lists_exactly_the_entitled_entries(
    live_server: LiveServer, services: Services, partner: PartnerInfo, tmp_path: Path
) -> None:
    enable_entitlement(services, partner)
    admin = Admin(live_server, partner, tmp_path)
    for user_id in ("alice", "bob"):
        user = KalturaUser()
        user.id = user_id
        admin.client.user.add(user)

    # The application's branch, labelled before its sub-categories are made (they inherit the label).
    site = admin.category("MediaSpace site")
    admin.label(site, "MediaSpace")
    gallery = admin.category("Gallery", site, KalturaPrivacyType.ALL)
    signed_in = admin.category("Staff", site, KalturaPrivacyType.AUTHENTICATED_USERS)
    channel = admin.category("Alice's channel", site, KalturaPrivacyType.MEMBERS_ONLY)
    closed = admin.category("Bob's channel", site, KalturaPrivacyType.MEMBERS_ONLY)
    admin.member(channel, "alice")
    admin.member(closed, "bob")
    # Elsewhere: an organisational category without a label, and nothing at all.
    archive = admin.category("Archive")

    in_gallery = admin.entry("In the gallery", gallery)
    for_staff = admin.entry("For signed-in users", signed_in)
    in_channel = admin.entry("In Alice's channel", channel)
    in_closed = admin.entry("In Bob's channel", closed)
    alices_own = admin.entry("Alice's own, in Bob's channel", closed, owner="alice")
    shared = admin.entry("Gallery and archive", gallery, archive)
    archived = admin.entry("Only in the archive", archive)
    loose = admin.entry("In no category")

    # The application: a USER KS with its privacy context and list:*, enforcement on by the partner default.
    app = client_for(live_server, partner)
    app.setKs(
        app.session.start(partner.admin_secret, "alice", KalturaSessionType.USER, partner.id, 3600, APP)
    )
    assert listed(app) == {in_gallery, for_staff, in_channel, alices_own, shared}

    # Another member sees their own channel (with what Alice put there) instead of Alice's.
    bob = client_for(live_server, partner)
    bob.setKs(bob.session.start(partner.admin_secret, "bob", KalturaSessionType.USER, partner.id, 3600, APP))
    assert listed(bob) == {in_gallery, for_staff, in_closed, alices_own, shared}

    # The same user without the context: the labelled branch's content is not returned (only what Alice
    # owns, what has no label, and what also sits in an unlabelled category: the KB matrix).
    plain = client_for(live_server, partner)
    plain.setKs(
        plain.session.start(
            partner.admin_secret, "alice", KalturaSessionType.USER, partner.id, 3600, "list:*"
        )
    )
    assert listed(plain) == {alices_own, shared, archived, loose}

    # The admin tool sees everything.
    everything = {in_gallery, for_staff, in_channel, in_closed, alices_own, shared, archived, loose}
    assert listed(admin.client) == everything

    # A single entry outside the application's branch but in no category stays gettable under the context
    # (§3.6 step 8) although the list leaves it out; a closed channel's entry is refused.
    assert app.media.get(loose).id == loose
    with pytest.raises(KalturaException) as refused:
        app.media.get(in_closed)
    assert refused.value.code == "ENTRY_ID_NOT_FOUND"

"""GraphQL types and mutations for posts (updates), comments and likes."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_db.social_records import CommentRecord, EngagementRecord, PostRecord
from resolvers import comments as comment_resolvers
from resolvers import planner
from resolvers import posts as post_resolvers
from resolvers.loaders import then
from resolvers.pagination import Page
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    audit_reason,
    connection,
    global_id_of,
    local_id,
    mention_ids,
    nodes,
    optional_id,
    reference_field,
    selected,
    timestamp_field,
)
from schema.people import Person, author_field, link_connection, people_by_ids

if TYPE_CHECKING:
    from schema.groups import Group


def _likes(e: EngagementRecord) -> int:
    return e.likes


def _comments(e: EngagementRecord) -> int:
    return e.comments


def _viewer_liked(e: EngagementRecord) -> bool:
    return e.viewerLiked


@strawberry.type(description="An update a member shared: plain text with links, liked and commented on.")
class Post(RecordNode[PostRecord]):
    body: str = attr_field(
        "record.body",
        description="The text, as written (plain text; clients render the links).",
    )

    @strawberry.field(description="The group it was posted in; null for an update on the author's profile.")
    async def group(self, info: AppInfo) -> Annotated[Group, strawberry.lazy("schema.groups")] | None:
        if self.record.groupId is None:
            return None
        from schema.groups import Group  # schema.groups builds on this module

        record = await info.context.loaders.group_by_id.load(self.record.groupId)
        return Group.from_record(record) if record else None

    @strawberry.field(description="The people it @-mentions (those the viewer can see).")
    async def mentions(self, info: AppInfo) -> list[Person]:
        return await people_by_ids(info, self.record.mentionIds)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was posted.")

    edited_at: DateTime | None = timestamp_field(
        "record.editedAt", "When its author last edited it; null if never."
    )

    links: list[str] = attr_field(
        "record.body", post_resolvers.links, description="The http(s) links in the text, in order."
    )

    author: Person = author_field("Who wrote it.")

    # Counts answer without an await when the page preloaded them (post_connection).
    @strawberry.field(description="How many members like it (exact).", graphql_type=int)
    def like_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(post_resolvers.engagement_now(info.context, self.record.id), _likes)

    @strawberry.field(
        description="How many comments and replies it has (removed ones not counted).",
        graphql_type=int,
    )
    def comment_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(post_resolvers.engagement_now(info.context, self.record.id), _comments)

    @strawberry.field(description="Whether the signed-in member likes it.", graphql_type=bool)
    def viewer_has_liked(self, info: AppInfo) -> bool | Awaitable[bool]:
        return then(post_resolvers.engagement_now(info.context, self.record.id), _viewer_liked)

    @strawberry.field(description="Members who like it, most recent like first.")
    async def likers(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        page = await post_resolvers.likers(info.context, self.record.id, first=first, after=after)
        return await link_connection(info, page)

    @strawberry.field(description="Top-level comments, oldest first (each with its replies).")
    async def comments(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Comment]:
        page = await comment_resolvers.post_comments(
            info.context, self.record.id, first=first, after=after
        )
        return await comment_connection(info, page)


@strawberry.type(description="A comment on an update, or a reply to a comment (one level deep).")
class Comment(RecordNode[CommentRecord]):
    body: str = attr_field("record.body", description="The text, as written (plain text).")

    @strawberry.field(description="The people it @-mentions.")
    async def mentions(self, info: AppInfo) -> list[Person]:
        return await people_by_ids(info, self.record.mentionIds)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was written.")

    edited_at: DateTime | None = timestamp_field(
        "record.editedAt", "When its author last edited it; null if never."
    )

    links: list[str] = attr_field(
        "record.body", post_resolvers.links, description="The http(s) links in the text, in order."
    )

    author: Person = author_field("Who wrote it.")

    post: Post | None = reference_field(
        "record.postId", post_resolvers.get_post, Post.from_record,
        "The update it is on; null if the viewer can no longer see it.",
    )

    parent: Comment | None = reference_field(
        "record.parentId", comment_resolvers.get_comment, lambda record: Comment.from_record(record),
        "The comment it replies to; null for a top-level comment.",
    )

    @strawberry.field(description="How many members like it (exact).", graphql_type=int)
    def like_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(comment_resolvers.engagement_now(info.context, self.record.id), _likes)

    @strawberry.field(
        description="How many replies it has (removed ones not counted).", graphql_type=int
    )
    def reply_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(comment_resolvers.engagement_now(info.context, self.record.id), _comments)

    @strawberry.field(description="Whether the signed-in member likes it.", graphql_type=bool)
    def viewer_has_liked(self, info: AppInfo) -> bool | Awaitable[bool]:
        return then(comment_resolvers.engagement_now(info.context, self.record.id), _viewer_liked)

    @strawberry.field(description="Members who like it, most recent like first.")
    async def likers(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        page = await comment_resolvers.likers(info.context, self.record.id, first=first, after=after)
        return await link_connection(info, page)

    @strawberry.field(description="Replies, oldest first (empty for a reply).")
    async def replies(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Comment]:
        page = await comment_resolvers.replies(info.context, self.record.id, first=first, after=after)
        return await comment_connection(info, page)


async def post_connection(info: AppInfo, page: Page[PostRecord]) -> Connection[Post]:
    """A page of posts, with what the query shows of them (counts, authors) loaded up front:
    one round trip per kind, and the posts' fields then answer without awaiting."""
    wanted, authors = selected(info)
    await post_resolvers.preload(
        info.context, page.items,
        engagement=not wanted.isdisjoint(planner.ENGAGEMENT_FIELDS), authors=authors,
    )
    return connection(page, Post.from_record)


async def comment_connection(info: AppInfo, page: Page[CommentRecord]) -> Connection[Comment]:
    """A page of comments or replies, preloaded like `post_connection`."""
    wanted, authors = selected(info)
    await comment_resolvers.preload(
        info.context, page.items,
        engagement=not wanted.isdisjoint(planner.ENGAGEMENT_FIELDS), authors=authors,
    )
    return connection(page, Comment.from_record)


async def person_posts(info: AppInfo, person_id: str, *, first: int | None, after: str | None
                       ) -> Connection[Post]:
    """`Person.posts` (schema.people defers to this, beside the Post type)."""
    page = await post_resolvers.person_posts(info.context, person_id, first=first, after=after)
    return await post_connection(info, page)


nodes("Post", Post.from_record, get_many=post_resolvers.get_posts)
nodes("Comment", Comment.from_record, get_many=comment_resolvers.get_comments)


# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="A new update.")
class CreatePostInput:
    body: str = strawberry.field(
        description=f"Plain text, 1 to {post_resolvers.MAX_POST_CHARS} characters; links allowed."
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Post in this group (the author must be a member)."
    )
    mention_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description=f"People @-mentioned in the text (up to {post_resolvers.MAX_MENTIONS}); "
        "each is notified.",
    )


@strawberry.input(description="New text for one of your updates.")
class EditPostInput:
    id: strawberry.ID = strawberry.field(description="The update to edit.")
    body: str = strawberry.field(description="The new text (replaces the old).")
    mention_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="The people mentioned now (replaces the list; people newly added are "
        "notified); null keeps the current mentions.",
    )


@strawberry.input(description="An update to remove.")
class DeletePostInput:
    id: strawberry.ID = strawberry.field(description="The update to remove.")
    reason: str | None = audit_reason("Why (moderators; kept in the audit log).")


@strawberry.input(description="An update to like or unlike.")
class LikePostInput:
    post_id: strawberry.ID = strawberry.field(description="The update.")


@strawberry.input(description="A new comment, or a reply to a comment.")
class CreateCommentInput:
    post_id: strawberry.ID = strawberry.field(description="The update to comment on.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Reply to this comment on the same update (a reply to a reply joins "
        "the thread of the comment it belongs to).",
    )
    body: str = strawberry.field(
        description=f"Plain text, 1 to {comment_resolvers.MAX_COMMENT_CHARS} characters."
    )
    mention_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="People @-mentioned in the text; each is notified."
    )


@strawberry.input(description="New text for one of your comments.")
class EditCommentInput:
    id: strawberry.ID = strawberry.field(description="The comment to edit.")
    body: str = strawberry.field(description="The new text (replaces the old).")
    mention_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The people mentioned now; null keeps the current mentions."
    )


@strawberry.input(description="A comment to remove (its replies go with it).")
class DeleteCommentInput:
    id: strawberry.ID = strawberry.field(description="The comment to remove.")
    reason: str | None = audit_reason("Why (moderators; kept in the audit log).")


@strawberry.input(description="A comment to like or unlike.")
class LikeCommentInput:
    comment_id: strawberry.ID = strawberry.field(description="The comment.")


# -- payloads -----------------------------------------------------------------------------


@strawberry.type(description="The result of a mutation on an update.")
class PostPayload(Payload[PostRecord], result="post", convert=Post.from_record):
    post: Post | None = strawberry.field(description="The update as it is now.")


@strawberry.type(description="The result of `createPost`.")
class CreatePostPayload(PostPayload):
    pass


@strawberry.type(description="The result of `editPost`.")
class EditPostPayload(PostPayload):
    pass


@strawberry.type(description="The result of `likePost`.")
class LikePostPayload(PostPayload):
    pass


@strawberry.type(description="The result of `unlikePost`.")
class UnlikePostPayload(PostPayload):
    pass


@strawberry.type(description="The result of `deletePost`.")
class DeletePostPayload(Payload[str], result="deleted_post_id", convert=global_id_of("Post")):
    deleted_post_id: strawberry.ID | None = strawberry.field(description="The update removed.")


@strawberry.type(description="The result of a mutation on a comment.")
class CommentPayload(Payload[CommentRecord], result="comment", convert=Comment.from_record):
    comment: Comment | None = strawberry.field(description="The comment as it is now.")


@strawberry.type(description="The result of `createComment`.")
class CreateCommentPayload(CommentPayload):
    pass


@strawberry.type(description="The result of `editComment`.")
class EditCommentPayload(CommentPayload):
    pass


@strawberry.type(description="The result of `likeComment`.")
class LikeCommentPayload(CommentPayload):
    pass


@strawberry.type(description="The result of `unlikeComment`.")
class UnlikeCommentPayload(CommentPayload):
    pass


@strawberry.type(description="The result of `deleteComment`.")
class DeleteCommentPayload(Payload[str], result="deleted_comment_id", convert=global_id_of("Comment")):
    deleted_comment_id: strawberry.ID | None = strawberry.field(description="The comment removed.")


@strawberry.type
class PostsMutation:
    @strawberry.mutation(description="Share an update (optionally in a group you belong to).")
    async def create_post(self, info: AppInfo, input: CreatePostInput) -> CreatePostPayload:
        return await CreatePostPayload.attempt(lambda: post_resolvers.create_post(
            info.context, body=input.body,
            group_id=optional_id(input.group_id, "Group", "groupId"),
            mention_ids=mention_ids(input.mention_ids),
        ))

    @strawberry.mutation(description="Edit one of your updates (sets `editedAt`).")
    async def edit_post(self, info: AppInfo, input: EditPostInput) -> EditPostPayload:
        return await EditPostPayload.attempt(lambda: post_resolvers.edit_post(
            info.context, local_id(input.id, "Post"), body=input.body,
            mention_ids=mention_ids(input.mention_ids),
        ))

    @strawberry.mutation(description="Remove an update: yours, or any as a moderator.")
    async def delete_post(self, info: AppInfo, input: DeletePostInput) -> DeletePostPayload:
        return await DeletePostPayload.attempt(lambda: post_resolvers.delete_post(
            info.context, local_id(input.id, "Post"), reason=input.reason
        ))

    @strawberry.mutation(description="Like an update (idempotent).")
    async def like_post(self, info: AppInfo, input: LikePostInput) -> LikePostPayload:
        return await LikePostPayload.attempt(lambda: post_resolvers.like_post(
            info.context, local_id(input.post_id, "Post", field="postId")
        ))

    @strawberry.mutation(description="Withdraw your like of an update (idempotent).")
    async def unlike_post(self, info: AppInfo, input: LikePostInput) -> UnlikePostPayload:
        return await UnlikePostPayload.attempt(lambda: post_resolvers.unlike_post(
            info.context, local_id(input.post_id, "Post", field="postId")
        ))

    @strawberry.mutation(description="Comment on an update, or reply to a comment.")
    async def create_comment(self, info: AppInfo, input: CreateCommentInput) -> CreateCommentPayload:
        return await CreateCommentPayload.attempt(lambda: comment_resolvers.create_comment(
            info.context, local_id(input.post_id, "Post", field="postId"), body=input.body,
            parent_id=optional_id(input.parent_id, "Comment", "parentId"),
            mention_ids=mention_ids(input.mention_ids),
        ))

    @strawberry.mutation(description="Edit one of your comments (sets `editedAt`).")
    async def edit_comment(self, info: AppInfo, input: EditCommentInput) -> EditCommentPayload:
        return await EditCommentPayload.attempt(lambda: comment_resolvers.edit_comment(
            info.context, local_id(input.id, "Comment"), body=input.body,
            mention_ids=mention_ids(input.mention_ids),
        ))

    @strawberry.mutation(description="Remove a comment and its replies: yours, or any as a moderator.")
    async def delete_comment(self, info: AppInfo, input: DeleteCommentInput) -> DeleteCommentPayload:
        return await DeleteCommentPayload.attempt(lambda: comment_resolvers.delete_comment(
            info.context, local_id(input.id, "Comment"), reason=input.reason
        ))

    @strawberry.mutation(description="Like a comment (idempotent).")
    async def like_comment(self, info: AppInfo, input: LikeCommentInput) -> LikeCommentPayload:
        return await LikeCommentPayload.attempt(lambda: comment_resolvers.like_comment(
            info.context, local_id(input.comment_id, "Comment", field="commentId")
        ))

    @strawberry.mutation(description="Withdraw your like of a comment (idempotent).")
    async def unlike_comment(self, info: AppInfo, input: LikeCommentInput) -> UnlikeCommentPayload:
        return await UnlikeCommentPayload.attempt(lambda: comment_resolvers.unlike_comment(
            info.context, local_id(input.comment_id, "Comment", field="commentId")
        ))

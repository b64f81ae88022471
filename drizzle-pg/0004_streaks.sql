CREATE TABLE "member_streaks" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"current" integer NOT NULL,
	"best" integer NOT NULL,
	"last_day" integer NOT NULL,
	"started_day" integer NOT NULL,
	"freezes_held" integer NOT NULL,
	"freezes_used" integer NOT NULL,
	"freeze_seen" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "member_streaks_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id"),
	CONSTRAINT "member_streaks_counts" CHECK ("member_streaks"."current" >= 0 AND "member_streaks"."best" >= "member_streaks"."current" AND "member_streaks"."freezes_used" >= 0),
	CONSTRAINT "member_streaks_days" CHECK ("member_streaks"."started_day" <= "member_streaks"."last_day"),
	CONSTRAINT "member_streaks_freezes" CHECK ("member_streaks"."freezes_held" BETWEEN 0 AND 2)
);
--> statement-breakpoint
CREATE TABLE "streak_fold" (
	"id" integer PRIMARY KEY NOT NULL,
	"watermark" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "streak_fold_single" CHECK ("streak_fold"."id" = 1),
	CONSTRAINT "streak_fold_watermark" CHECK ("streak_fold"."watermark" >= 0)
);

CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "platform_events" (
	"id" text PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"type" text NOT NULL,
	"payload_hash" text NOT NULL,
	"sparks" bigint DEFAULT 0 NOT NULL,
	"received_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"guild_id" text NOT NULL,
	"invitee_user_id" text NOT NULL,
	"referrer_user_id" text NOT NULL,
	"event_id" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "referrals_guild_id_invitee_user_id_pk" PRIMARY KEY("guild_id","invitee_user_id"),
	CONSTRAINT "referrals_not_self" CHECK ("referrals"."invitee_user_id" <> "referrals"."referrer_user_id")
);
--> statement-breakpoint
CREATE INDEX "platform_events_guild" ON "platform_events" USING btree ("guild_id","received_at");--> statement-breakpoint
CREATE INDEX "referrals_referrer" ON "referrals" USING btree ("guild_id","referrer_user_id");
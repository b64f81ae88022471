CREATE TABLE "tier_grants" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role_id" text NOT NULL,
	"status" text NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "tier_grants_guild_id_user_id_role_id_pk" PRIMARY KEY("guild_id","user_id","role_id"),
	CONSTRAINT "tier_grants_status" CHECK ("tier_grants"."status" IN ('granted', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "tier_roles" (
	"guild_id" text NOT NULL,
	"role_id" text NOT NULL,
	"threshold" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "tier_roles_guild_id_role_id_pk" PRIMARY KEY("guild_id","role_id"),
	CONSTRAINT "tier_roles_threshold_range" CHECK ("tier_roles"."threshold" BETWEEN 1 AND 9007199254740991)
);
--> statement-breakpoint
CREATE INDEX "tier_roles_threshold" ON "tier_roles" USING btree ("guild_id","threshold");
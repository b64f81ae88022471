CREATE TABLE "ledger_account_earned" (
	"account_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"sparks" bigint NOT NULL,
	CONSTRAINT "ledger_account_earned_account_id_kind_pk" PRIMARY KEY("account_id","kind")
);
--> statement-breakpoint
CREATE TABLE "ledger_account_kinds" (
	"account_id" bigint NOT NULL,
	"kind" text NOT NULL,
	CONSTRAINT "ledger_account_kinds_account_id_kind_pk" PRIMARY KEY("account_id","kind")
);
--> statement-breakpoint
CREATE TABLE "ledger_day_earners" (
	"guild_id" text NOT NULL,
	"day" integer NOT NULL,
	"account_id" bigint NOT NULL,
	CONSTRAINT "ledger_day_earners_guild_id_day_account_id_pk" PRIMARY KEY("guild_id","day","account_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_days" (
	"guild_id" text NOT NULL,
	"day" integer NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"entries" bigint NOT NULL,
	CONSTRAINT "ledger_days_guild_id_day_kind_pk" PRIMARY KEY("guild_id","day","kind"),
	CONSTRAINT "ledger_days_counts" CHECK ("ledger_days"."amount" >= 0 AND "ledger_days"."entries" >= 1)
);
--> statement-breakpoint
CREATE TABLE "ledger_earner_days" (
	"guild_id" text NOT NULL,
	"day" integer NOT NULL,
	"earners" bigint NOT NULL,
	CONSTRAINT "ledger_earner_days_guild_id_day_pk" PRIMARY KEY("guild_id","day"),
	CONSTRAINT "ledger_earner_days_integers" CHECK ("ledger_earner_days"."earners" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_earner_weeks" (
	"guild_id" text NOT NULL,
	"week" text NOT NULL,
	"earners" bigint NOT NULL,
	CONSTRAINT "ledger_earner_weeks_guild_id_week_pk" PRIMARY KEY("guild_id","week")
);
--> statement-breakpoint
CREATE TABLE "ledger_referral_funnel" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"registered" bigint NOT NULL,
	"traded" bigint NOT NULL,
	"credited" bigint NOT NULL,
	CONSTRAINT "ledger_referral_funnel_counts" CHECK ("ledger_referral_funnel"."registered" >= 0 AND "ledger_referral_funnel"."traded" >= 0 AND "ledger_referral_funnel"."credited" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_rollup" (
	"id" integer PRIMARY KEY NOT NULL,
	"watermark" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "ledger_rollup_single" CHECK ("ledger_rollup"."id" = 1),
	CONSTRAINT "ledger_rollup_watermark" CHECK ("ledger_rollup"."watermark" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_traders" (
	"guild_id" text NOT NULL,
	"user_id" text NOT NULL,
	CONSTRAINT "ledger_traders_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "ledger_week_earners" (
	"guild_id" text NOT NULL,
	"week" text NOT NULL,
	"account_id" bigint NOT NULL,
	"earned" bigint NOT NULL,
	CONSTRAINT "ledger_week_earners_guild_id_week_account_id_pk" PRIMARY KEY("guild_id","week","account_id")
);
--> statement-breakpoint
ALTER TABLE "ledger_account_earned" ADD CONSTRAINT "ledger_account_earned_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_account_kinds" ADD CONSTRAINT "ledger_account_kinds_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_day_earners" ADD CONSTRAINT "ledger_day_earners_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_week_earners" ADD CONSTRAINT "ledger_week_earners_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;
-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('read', 'write');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "AuditAction" ADD VALUE 'LOGIN';
ALTER TYPE "AuditAction" ADD VALUE 'LOGIN_FAILED';
ALTER TYPE "AuditAction" ADD VALUE 'LOGOUT';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_AUTH_FAILED';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_SCOPE_DENIED';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_SESSIONS_LISTED';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_SESSION_READ';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_SESSION_REVOKED';
ALTER TYPE "AuditAction" ADD VALUE 'ADMIN_AUDIT_READ';
ALTER TYPE "AuditAction" ADD VALUE 'API_KEY_CREATED';
ALTER TYPE "AuditAction" ADD VALUE 'API_KEY_REVOKED';

-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "actor" TEXT,
ADD COLUMN     "details" JSONB,
ADD COLUMN     "target" TEXT,
ALTER COLUMN "session_id" DROP NOT NULL,
ALTER COLUMN "store" DROP NOT NULL;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "password_hash" TEXT;

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scope" "ApiKeyScope" NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

import { z } from 'zod';

// The values a client can send that PostgreSQL (through Prisma) cannot store or compare, refused
// where every request is validated, with 400 VALIDATION_FAILED, instead of reaching the database
// and coming back as a 500. Every schema field that is written to or queried in PostgreSQL is
// built from these. The corpus in test/support/hostile-requests.ts sends each kind of value.
//
// Teaching note: JSON can carry strings a database cannot. `"\u0000"` is valid JSON, and
// PostgreSQL's text type refuses NUL ("invalid byte sequence for encoding UTF8: 0x00"). A lone
// surrogate (`"\ud800"`, half of a UTF-16 pair) is valid JSON too, but not Unicode: encoded as
// UTF-8 it silently becomes U+FFFD, so it could never be stored faithfully, only altered.
// Refusing both is the honest answer; docs/api.md says so.

/** A code point that is NUL or half of a surrogate pair (the `u` flag keeps whole pairs intact). */
const NOT_STORABLE = /[\u0000\uD800-\uDFFF]/u;

/** Largest PostgreSQL `integer` (Prisma `Int`): a bigger filter value is an error there, not "no rows". */
export const INT4_MAX = 2_147_483_647;
/** Largest PostgreSQL `bigint` (Prisma `BigInt`). */
export const INT8_MAX = 9_223_372_036_854_775_807n;

/** A string PostgreSQL stores as sent: no NUL, no lone surrogate. Chain .min/.max as usual. */
export function storableString() {
  return z.string().refine((value) => !NOT_STORABLE.test(value), {
    message: 'must not contain NUL (\\u0000) or a lone UTF-16 surrogate: PostgreSQL cannot store them as sent',
  });
}

/** Decimal digits of a non-negative PostgreSQL `bigint` (the ids of BigInt columns, as strings). */
export function bigintDigits() {
  const digits = /^\d{1,19}$/;
  return z
    .string()
    .regex(digits, 'decimal digits')
    // Zod runs every check even after one failed: only digits may reach BigInt().
    .refine((value) => !digits.test(value) || BigInt(value) <= INT8_MAX, { message: `must be at most ${INT8_MAX}` });
}

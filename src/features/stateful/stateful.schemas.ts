import { z } from 'zod';

export const conversationBody = z.strictObject({
  text: z.string().trim().min(1).max(500),
});

export const sessionIdParams = z.object({
  id: z.string().min(1).max(128),
});

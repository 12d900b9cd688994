import { z } from 'zod';
import { storableString } from '../../http/database-values';

export const conversationBody = z.strictObject({
  text: storableString().trim().min(1).max(500),
});

export const sessionIdParams = z.object({
  id: storableString().min(1).max(128),
});

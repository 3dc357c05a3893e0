import { svc, type Context } from '../../graphql/context.ts';
import { defineMutation } from '../../graphql/mutation.ts';
import { createConsoleSession } from './console-session.service.ts';
import { createConsoleSessionInput } from './console-session.service.ts';

type Link = { url: string; expiresAt: Date };

const HOST_RE = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The console's origin as the host application should link to it: KEYPLANE_PUBLIC_URL when set,
 * otherwise the Host the caller used to reach this API (https in production).
 */
function consoleOrigin(ctx: Context): string {
  const { config } = ctx.deps;
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const request = (ctx as Context & { request?: { headers?: { get(name: string): string | null } } }).request;
  const host = request?.headers?.get?.('host') ?? null;
  const scheme = config.production ? 'https' : 'http';
  return host && HOST_RE.test(host) ? `${scheme}://${host}` : `${scheme}://127.0.0.1:${config.port}`;
}

defineMutation('createConsoleSession', {
  validate: createConsoleSessionInput,
  permission: 'users:write',
  description:
    'A one-time link that signs the user in to the web console (valid for minutes, single use). The caller must hold users:write where the user lives and every permission the user holds.',
  input: (t) => ({
    userId: t.id({ required: true }),
    returnPath: t.string({ description: 'Console page to open after sign-in, e.g. /keys (default: the key list).' }),
  }),
  resolve: async (input, ctx): Promise<Link> => {
    const { token, expiresAt } = await createConsoleSession(svc(ctx), input);
    return { url: `${consoleOrigin(ctx)}/console/auth?token=${encodeURIComponent(token)}`, expiresAt };
  },
  success: (t) => ({
    url: t.string({ description: 'Send the user’s browser here once; it becomes an httpOnly session cookie.', resolve: (p: Link) => p.url }),
    expiresAt: t.field({ type: 'DateTime', description: 'The link is refused after this instant.', resolve: (p: Link) => p.expiresAt }),
  }),
});

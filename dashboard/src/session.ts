import type { Me, ProfilesResponse } from '../../protocol/api.ts';

// The session cookie is HttpOnly: the page never sees it, it only asks the API who is logged in.

export async function whoAmI(): Promise<Me | null> {
  const response = await fetch('/api/v1/auth/me');
  return response.ok ? ((await response.json()) as Me) : null;
}

/** Logs in; resolves with the person, or rejects with the API's message. */
export async function logIn(email: string, password: string): Promise<Me> {
  return post<Me>('/api/v1/auth/login', { email, password });
}

export async function logOut(): Promise<void> {
  await fetch('/api/v1/auth/logout', { method: 'POST' });
}

export async function readInvitation(token: string): Promise<{ club: string; role: string; email: string }> {
  const response = await fetch(`/api/v1/invitations/${encodeURIComponent(token)}`);
  if (!response.ok) throw new Error(((await response.json()) as { message: string }).message);
  return response.json();
}

export async function acceptInvitation(token: string, name: string, password: string): Promise<Me> {
  return post<Me>(`/api/v1/invitations/${encodeURIComponent(token)}/accept`, { name, password });
}

const post = <T>(url: string, body: unknown): Promise<T> => apiSend<T>('POST', url, body);

/** A write to the API; rejects with the API's message. */
export async function apiSend<T = unknown>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<T> {
  return answerOf<T>(
    await fetch(url, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    }),
  );
}

/** A file sent as it is (a roster spreadsheet): its bytes, so the API can tell UTF-8 from what is not. */
export async function apiUpload<T>(url: string, file: Blob, contentType: string): Promise<T> {
  return answerOf<T>(await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: file }));
}

async function answerOf<T>(response: Response): Promise<T> {
  const answer = response.status === 204 ? ({} as T) : ((await response.json()) as T & { message?: string });
  if (!response.ok) throw new Error((answer as { message?: string }).message ?? `failed (${response.status})`);
  return answer;
}

export async function apiGet<T>(url: string): Promise<T> {
  return answerOf<T>(await fetch(url));
}

let profiles: Promise<ProfilesResponse> | null = null;

/** The device profiles the server has installed: fixed while it runs, so asked once per page load (again after a failure). */
export function installedProfiles(): Promise<ProfilesResponse> {
  profiles ??= apiGet<ProfilesResponse>('/api/v1/profiles').catch((error: unknown) => {
    profiles = null;
    throw error;
  });
  return profiles;
}

import type { Page } from './pages.ts';
import { apiGet, apiSend } from './session.ts';

// What a club's admins (and a partner in its demo club) manage from the page: invitations and gateway
// credentials. The API decides who may; the page only hides what the person cannot use.

const inviteForm = document.querySelector<HTMLFormElement>('#invite')!;
const inviteResult = document.querySelector<HTMLElement>('#invite-result')!;
const gatewayForm = document.querySelector<HTMLFormElement>('#gateway-add')!;
const gatewayResult = document.querySelector<HTMLElement>('#gateway-result')!;
const gatewayRows = document.querySelector<HTMLTableSectionElement>('#gateways tbody')!;

interface GatewayView {
  id: string;
  username: string;
  createdMs: number;
  revokedMs: number | null;
}

export const adminPage: Page = {
  open: (context) => showAdmin(context.base),
};

async function showAdmin(base: string): Promise<void> {
  const { athletes } = await apiGet<{ athletes: { id: string; name: string }[] }>(`${base}/athletes`);
  const memberSelect = inviteForm.querySelector<HTMLSelectElement>('select[name=athlete]')!;
  memberSelect.replaceChildren(
    new Option('—', ''),
    ...athletes.map((athlete) => new Option(`${athlete.name} (${athlete.id})`, athlete.id)),
  );

  inviteForm.onsubmit = async (event) => {
    event.preventDefault();
    const data = new FormData(inviteForm);
    const role = String(data.get('role'));
    const athlete = String(data.get('athlete'));
    try {
      const invitation = await apiSend<{ url: string; expiresMs: number }>('POST', `${base}/invitations`, {
        email: String(data.get('email')),
        role,
        ...(role === 'athlete' ? { athlete } : {}),
      });
      inviteResult.textContent = `Send this link (valid until ${new Date(invitation.expiresMs).toLocaleString()}): ${invitation.url}`;
      inviteForm.reset();
    } catch (error) {
      inviteResult.textContent = (error as Error).message;
    }
  };

  const listGateways = async () => {
    const { gateways } = await apiGet<{ gateways: GatewayView[] }>(`${base}/gateways`);
    gatewayRows.replaceChildren(
      ...gateways.map((gateway) => {
        const row = document.createElement('tr');
        const cells = [gateway.id, gateway.username, gateway.revokedMs ? 'revoked' : new Date(gateway.createdMs).toLocaleDateString()];
        for (const text of cells) row.insertCell().textContent = text;
        const action = row.insertCell();
        if (!gateway.revokedMs) {
          const revoke = document.createElement('button');
          revoke.type = 'button';
          revoke.textContent = 'Revoke';
          revoke.onclick = async () => {
            await apiSend('DELETE', `${base}/gateways/${encodeURIComponent(gateway.id)}`);
            await listGateways();
          };
          action.append(revoke);
        }
        return row;
      }),
    );
  };
  gatewayForm.onsubmit = async (event) => {
    event.preventDefault();
    try {
      const issued = await apiSend<{ username: string; password: string }>('POST', `${base}/gateways`, {
        id: String(new FormData(gatewayForm).get('id')),
      });
      // Shown once: only a hash is kept.
      gatewayResult.textContent = `MQTT login, shown only now: ${issued.username} / ${issued.password}`;
      gatewayForm.reset();
      await listGateways();
    } catch (error) {
      gatewayResult.textContent = (error as Error).message;
    }
  };
  await listGateways();
}

import type { ReactNode } from 'react';
import { Dialog } from './Dialog';

/** A question before something that cannot be undone: Keep has the focus, so Enter or Escape changes nothing. */
export function ConfirmDialog({
  open,
  title,
  confirm,
  onConfirm,
  onCancel,
  children,
}: {
  open: boolean;
  title: string;
  /** The destructive button's label, naming what it does ("Remove dev.example.com"). */
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} onClose={onCancel} title={title}>
      <div className="confirm-body">
        {children}
        <div className="actions">
          <button type="button" className="ghost" autoFocus onClick={onCancel}>
            Keep
          </button>
          <button type="button" className="danger" onClick={onConfirm}>
            {confirm}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

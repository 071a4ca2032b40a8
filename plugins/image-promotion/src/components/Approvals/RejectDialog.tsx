/*
 * Copyright 2026 The image-promotion authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import { useState } from 'react';

/**
 * Asks before a rejection, which cannot be undone, and for the comment the requester will read:
 * a rejection without a reason leaves them guessing.
 */
export const RejectDialog = (props: {
  open: boolean;
  /** What is rejected, e.g. `the promotion of 1.1.0 to Production`. */
  what: string;
  initialComment?: string;
  busy?: boolean;
  onCancel: () => void;
  onConfirm: (comment: string) => void;
}) => {
  const { open, what, initialComment, busy, onCancel, onConfirm } = props;
  const [comment, setComment] = useState(initialComment ?? '');
  const trimmed = comment.trim();
  return (
    <Dialog open={open} onClose={onCancel} aria-labelledby="reject-title">
      <DialogTitle id="reject-title">Reject {what}?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          The requester is told, with your comment. A rejected promotion cannot
          be approved later; it has to be requested again.
        </DialogContentText>
        <TextField
          id="reject-comment"
          label="Why (required)"
          value={comment}
          onChange={e => setComment(e.target.value)}
          required
          fullWidth
          multiline
          minRows={2}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Keep it waiting</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={!trimmed || busy}
          onClick={() => onConfirm(trimmed)}
        >
          Reject
        </Button>
      </DialogActions>
    </Dialog>
  );
};

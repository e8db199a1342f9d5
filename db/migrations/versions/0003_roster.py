"""roster: collection status table, integration settings, roster accounts, plans, letters, runs

A parallel branch off 0001 (Pre-Collections is 0002); the lead joins the heads with a merge
revision, and db.schema upgrades to all heads meanwhile. Only the roster's own tables.

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_work',
    sa.Column('run_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('delinquent_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('paid_since_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'guarantor_id', name=op.f('pk_roster_work'))
    )
    op.create_table('adjustment_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('adjustment', 'write_off', 'collection_fee', 'letter')", name=op.f('ck_adjustment_code_kind_values')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_adjustment_code_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment_code')),
    sa.UniqueConstraint('practice_id', 'code', name='uq_adjustment_code_code')
    )
    op.create_table('billing_group',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('suppress_collections', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_billing_group_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_group')),
    sa.UniqueConstraint('practice_id', 'code', name='uq_billing_group_code')
    )
    op.create_table('collection_status',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('days_to_remain', sa.Integer(), nullable=True),
    sa.Column('transfer_to', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('letter', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_collection_status_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_status')),
    sa.UniqueConstraint('practice_id', 'code', name='uq_collection_status_code')
    )
    op.create_table('letter_template',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_letter_template_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_template')),
    sa.UniqueConstraint('practice_id', 'name', name='uq_letter_template_name')
    )
    op.create_table('roster_file',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('letters', 'turnover')", name=op.f('ck_roster_file_kind_values')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_roster_file_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_file'))
    )
    op.create_table('roster_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('left_count', sa.Integer(), nullable=False),
    sa.Column('left_cents', sa.BigInteger(), nullable=False),
    sa.Column('entered_count', sa.Integer(), nullable=False),
    sa.Column('entered_cents', sa.BigInteger(), nullable=False),
    sa.Column('plan_failed_count', sa.Integer(), nullable=False),
    sa.Column('plan_failed_cents', sa.BigInteger(), nullable=False),
    sa.Column('partial_count', sa.Integer(), nullable=False),
    sa.Column('partial_cents', sa.BigInteger(), nullable=False),
    sa.Column('moved_count', sa.Integer(), nullable=False),
    sa.Column('moved_cents', sa.BigInteger(), nullable=False),
    sa.Column('letters_count', sa.Integer(), nullable=False),
    sa.Column('notes_count', sa.Integer(), nullable=False),
    sa.Column('history_adjustments', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_roster_run_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_run'))
    )
    with op.batch_alter_table('roster_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_run_practice_id'), ['practice_id'], unique=False)

    op.create_table('roster_settings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('aging_basis', sa.String(length=10), nullable=False),
    sa.Column('age_to_enter', sa.Integer(), nullable=False),
    sa.Column('auto_populate', sa.Boolean(), nullable=False),
    sa.Column('auto_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('min_balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('suppress_by', sa.String(length=12), nullable=False),
    sa.Column('letters_in_notes', sa.Boolean(), nullable=False),
    sa.Column('letters_in_history', sa.Boolean(), nullable=False),
    sa.Column('letter_adj_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('initial_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('plan_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('plan_failed_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('nd_plan_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('nd_plan_failed_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('partial_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('review_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('approved_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('transfer_charges', sa.String(length=10), nullable=False),
    sa.Column('write_off_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('fee_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('collection_fee_bp', sa.Integer(), nullable=False),
    sa.Column('transfer_billing_group', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('internal_comment', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
    sa.Column('comment_mode', sa.String(length=10), nullable=False),
    sa.Column('plan_alert', sa.Boolean(), nullable=False),
    sa.Column('next_contact_days', sa.Integer(), nullable=False),
    sa.Column('require_letter_printed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("aging_basis IN ('patient', 'acct')", name=op.f('ck_roster_settings_aging_basis_values')),
    sa.CheckConstraint("comment_mode IN ('overwrite', 'append')", name=op.f('ck_roster_settings_comment_mode_values')),
    sa.CheckConstraint("suppress_by IN ('account', 'transaction')", name=op.f('ck_roster_settings_suppress_by_values')),
    sa.CheckConstraint("transfer_charges IN ('delinquent', 'all')", name=op.f('ck_roster_settings_transfer_charges_values')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_roster_settings_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_settings')),
    sa.UniqueConstraint('practice_id', name='uq_roster_settings_practice')
    )
    op.create_table('account_note',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('next_contact', sa.Date(), nullable=True),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('note', 'letter')", name=op.f('ck_account_note_kind_values')),
    sa.ForeignKeyConstraint(['guarantor_id'], ['guarantor.id'], name=op.f('fk_account_note_guarantor_id_guarantor')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_account_note_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_note'))
    )
    with op.batch_alter_table('account_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_note_guarantor_id'), ['guarantor_id'], unique=False)

    op.create_table('letter_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), nullable=False),
    sa.Column('status_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('queued_date', sa.Date(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('printed_date', sa.Date(), nullable=True),
    sa.Column('printed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('file_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['roster_file.id'], name=op.f('fk_letter_queue_file_id_roster_file')),
    sa.ForeignKeyConstraint(['guarantor_id'], ['guarantor.id'], name=op.f('fk_letter_queue_guarantor_id_guarantor')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_letter_queue_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_queue')),
    sa.UniqueConstraint('guarantor_id', 'episode', 'status_code', name='uq_letter_queue_once')
    )
    with op.batch_alter_table('letter_queue', schema=None) as batch_op:
        batch_op.create_index('ix_letter_queue_practice_printed', ['practice_id', 'printed_date'], unique=False)

    op.create_table('payment_plan',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('default_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_date', sa.Date(), nullable=True),
    sa.Column('ended_date', sa.Date(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('collection', 'non_delinquent')", name=op.f('ck_payment_plan_kind_values')),
    sa.ForeignKeyConstraint(['guarantor_id'], ['guarantor.id'], name=op.f('fk_payment_plan_guarantor_id_guarantor')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_payment_plan_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_plan'))
    )
    with op.batch_alter_table('payment_plan', schema=None) as batch_op:
        batch_op.create_index('ix_payment_plan_active', ['practice_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_plan_guarantor_id'), ['guarantor_id'], unique=False)

    op.create_table('roster_account',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('status_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('prev_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('status_since', sa.Date(), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('entered_date', sa.Date(), nullable=False),
    sa.Column('left_date', sa.Date(), nullable=True),
    sa.Column('last_populate', sa.Date(), nullable=True),
    sa.Column('past_due_cents', sa.BigInteger(), nullable=False),
    sa.Column('next_contact', sa.Date(), nullable=True),
    sa.Column('turned_over', sa.Boolean(), nullable=False),
    sa.Column('turned_over_date', sa.Date(), nullable=True),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('last_step', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['guarantor_id'], ['guarantor.id'], name=op.f('fk_roster_account_guarantor_id_guarantor')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_roster_account_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_account')),
    sa.UniqueConstraint('guarantor_id', name='uq_roster_account_guarantor')
    )
    with op.batch_alter_table('roster_account', schema=None) as batch_op:
        batch_op.create_index('ix_roster_account_practice_status', ['practice_id', 'active', 'status_code'], unique=False)
        batch_op.create_index('ix_roster_account_run', ['last_run_id', 'last_step'], unique=False)

    op.create_table('roster_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.BigInteger(), nullable=False),
    sa.Column('guarantor_id', sa.BigInteger(), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=True),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("reason IN ('enter', 'leave', 'plan_failed', 'partial_payment', 'transfer', 'manual', 'plan', 'approve', 'send_back', 'turnover')", name=op.f('ck_roster_history_reason_values')),
    sa.ForeignKeyConstraint(['guarantor_id'], ['guarantor.id'], name=op.f('fk_roster_history_guarantor_id_guarantor')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_roster_history_practice_id_practice')),
    sa.ForeignKeyConstraint(['run_id'], ['roster_run.id'], name=op.f('fk_roster_history_run_id_roster_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_history'))
    )
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_history_guarantor_id'), ['guarantor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_history_guarantor_id'))

    op.drop_table('roster_history')
    with op.batch_alter_table('roster_account', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_account_run')
        batch_op.drop_index('ix_roster_account_practice_status')

    op.drop_table('roster_account')
    with op.batch_alter_table('payment_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_plan_guarantor_id'))
        batch_op.drop_index('ix_payment_plan_active')

    op.drop_table('payment_plan')
    with op.batch_alter_table('letter_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_queue_practice_printed')

    op.drop_table('letter_queue')
    with op.batch_alter_table('account_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_note_guarantor_id'))

    op.drop_table('account_note')
    op.drop_table('roster_settings')
    with op.batch_alter_table('roster_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_run_practice_id'))

    op.drop_table('roster_run')
    op.drop_table('roster_file')
    op.drop_table('letter_template')
    op.drop_table('collection_status')
    op.drop_table('billing_group')
    op.drop_table('adjustment_code')
    op.drop_table('roster_work')

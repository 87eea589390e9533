"""The database: tables, engine, repositories, migrations, the demo fleet simulator and sync."""

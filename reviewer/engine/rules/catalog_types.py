"""Resource type groups shared by several rules."""

from __future__ import annotations

# Resources whose deletion loses data or identity that cannot be recreated by re-applying.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        # AWS
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_docdb_cluster",
        "aws_neptune_cluster",
        "aws_s3_bucket",
        "aws_ebs_volume",
        "aws_efs_file_system",
        "aws_fsx_lustre_file_system",
        "aws_fsx_windows_file_system",
        "aws_fsx_ontap_file_system",
        "aws_fsx_openzfs_file_system",
        "aws_kms_key",
        "aws_route53_zone",
        "aws_dynamodb_table",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_memorydb_cluster",
        "aws_redshift_cluster",
        "aws_redshiftserverless_namespace",
        "aws_opensearch_domain",
        "aws_elasticsearch_domain",
        "aws_eks_cluster",
        "aws_secretsmanager_secret",
        "aws_cognito_user_pool",
        "aws_kinesis_stream",
        "aws_msk_cluster",
        "aws_backup_vault",
        "aws_ecr_repository",
        "aws_glacier_vault",
        "aws_timestreamwrite_table",
        "aws_qldb_ledger",
        "aws_sqs_queue",
        # Azure
        "azurerm_mssql_server",
        "azurerm_mssql_database",
        "azurerm_sql_server",
        "azurerm_sql_database",
        "azurerm_postgresql_server",
        "azurerm_postgresql_flexible_server",
        "azurerm_postgresql_database",
        "azurerm_mysql_server",
        "azurerm_mysql_flexible_server",
        "azurerm_mariadb_server",
        "azurerm_cosmosdb_account",
        "azurerm_storage_account",
        "azurerm_storage_container",
        "azurerm_storage_share",
        "azurerm_managed_disk",
        "azurerm_key_vault",
        "azurerm_key_vault_key",
        "azurerm_key_vault_secret",
        "azurerm_redis_cache",
        "azurerm_kubernetes_cluster",
        "azurerm_dns_zone",
        "azurerm_private_dns_zone",
        "azurerm_data_lake_store",
        "azurerm_resource_group",
        "azurerm_subscription",
        "azurerm_recovery_services_vault",
        "azurerm_data_protection_backup_vault",
        "azurerm_cosmosdb_sql_database",
        "azurerm_cosmosdb_sql_container",
        "azurerm_cosmosdb_mongo_database",
        "azurerm_cosmosdb_mongo_collection",
        "azurerm_cosmosdb_cassandra_keyspace",
        "azurerm_cosmosdb_cassandra_table",
        "azurerm_cosmosdb_gremlin_database",
        "azurerm_cosmosdb_gremlin_graph",
        "azurerm_cosmosdb_table",
        "azurerm_postgresql_flexible_server_database",
        "azurerm_mysql_flexible_database",
        "azurerm_mysql_database",
        "azurerm_mariadb_database",
        "azurerm_mssql_managed_instance",
        "azurerm_mssql_managed_database",
        "azurerm_container_registry",
        "azurerm_storage_table",
        "azurerm_storage_queue",
        "azurerm_storage_data_lake_gen2_filesystem",
        "azurerm_servicebus_namespace",
        "azurerm_servicebus_queue",
        "azurerm_eventhub_namespace",
        "azurerm_eventhub",
        "azurerm_log_analytics_workspace",
        "azurerm_netapp_volume",
        "azurerm_redis_enterprise_cluster",
        # GCP
        "google_sql_database_instance",
        "google_sql_database",
        "google_storage_bucket",
        "google_compute_disk",
        "google_bigquery_dataset",
        "google_bigquery_table",
        "google_spanner_instance",
        "google_spanner_database",
        "google_bigtable_instance",
        "google_bigtable_table",
        "google_filestore_instance",
        "google_kms_crypto_key",
        "google_kms_key_ring",
        "google_dns_managed_zone",
        "google_container_cluster",
        "google_redis_instance",
        "google_secret_manager_secret",
        "google_firestore_database",
        "google_alloydb_cluster",
        "google_project",
        "google_artifact_registry_repository",
        "google_pubsub_subscription",
        "google_compute_region_disk",
        "google_compute_snapshot",
        "google_compute_image",
        "google_logging_project_bucket_config",
        "google_redis_cluster",
        # Kubernetes
        "kubernetes_persistent_volume",
        "kubernetes_persistent_volume_v1",
        "kubernetes_persistent_volume_claim",
        "kubernetes_persistent_volume_claim_v1",
        "kubernetes_namespace",
        "kubernetes_namespace_v1",
        "kubernetes_secret",
        "kubernetes_secret_v1",
    }
)

# What a deletion takes along where "its data is lost" says too little (containers of other resources, stores of
# backups, images or logs), said after "will be destroyed; ".
DELETION_EFFECTS: dict[str, str] = {
    "azurerm_resource_group": "Azure deletes every resource in the group with it",
    "azurerm_subscription": "the subscription is cancelled, and Azure deletes its resources once the "
    "cancellation completes",
    "google_project": "the project is shut down with every resource in it and deleted for good after 30 days",
    **dict.fromkeys(
        ("kubernetes_namespace", "kubernetes_namespace_v1"),
        "Kubernetes deletes every object in it (workloads, services, secrets, volume claims)",
    ),
    **dict.fromkeys(
        ("azurerm_recovery_services_vault", "azurerm_data_protection_backup_vault"),
        "the backups in it are lost (soft-deleted backups only for the soft delete period)",
    ),
    **dict.fromkeys(
        ("azurerm_container_registry", "google_artifact_registry_repository"),
        "every image or package in it is lost, and deployments pulling them fail",
    ),
    **dict.fromkeys(
        ("azurerm_log_analytics_workspace", "google_logging_project_bucket_config"),
        "the logs kept in it are lost",
    ),
}

DATABASE_TYPES: frozenset[str] = frozenset(
    {"aws_db_instance", "aws_rds_cluster", "aws_docdb_cluster", "aws_neptune_cluster", "aws_redshift_cluster"}
)

# Azure App Service apps and slots of provider v3+, Linux and Windows (azurerm_app_service and azurerm_function_app
# are their deprecated v2 forms).
AZURE_APP_TYPES: tuple[str, ...] = tuple(
    f"azurerm_{os}_{kind}"
    for os in ("linux", "windows")
    for kind in ("web_app", "web_app_slot", "function_app", "function_app_slot")
)

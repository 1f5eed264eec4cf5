view: orders {
  sql_table_name: orders ;;

  dimension: id {
    primary_key: yes
    type: number
    sql: ${TABLE}.id ;;
  }
  dimension: user_id {
    type: number
    hidden: yes
    sql: ${TABLE}.user_id ;;
  }
  dimension: status {
    type: string
    description: "complete, pending, shipped, cancelled or returned"
    sql: ${TABLE}.status ;;
  }
  dimension: is_complete {
    type: yesno
    sql: ${status} = 'complete' ;;
  }
  dimension_group: created {
    type: time
    timeframes: [raw, date, week, month, quarter, year]
    sql: ${TABLE}.created_at ;;
  }
  measure: count {
    type: count
    description: "Number of orders"
  }
  measure: customer_count {
    type: count_distinct
    sql: ${user_id} ;;
    description: "Number of distinct customers who ordered"
  }
}
